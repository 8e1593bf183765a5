/**
 * The two npm packages, as a user gets them: `npm pack` both, install the tarballs into an empty
 * project outside the repository, start `pixie serve --dev` from there, and verify a token
 * with `@pixie-auth/verify` in a script of that project. A verifier-only project gets jose and
 * nothing heavier.
 *
 * better-sqlite3's install step compiles its native module from source on this machine (minutes
 * on two cores, and not what this test is about), so the tarballs are installed with
 * --ignore-scripts and the module this checkout compiled is copied in. Neither Pixie package
 * has an install script of its own.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { spawnPixieFrom } from '../helpers/process.js';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const npm = (args: string[], cwd: string) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 16 << 20 });

describe('npm packages pixie-auth and @pixie-auth/verify, installed from their tarballs', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixie-pack-'));
  const tarballs: Record<string, string> = {};
  before(async () => {
    // `npm pack` builds first (the prepare script) and prints the build's lines before its JSON.
    const pack = async (args: string[]) => {
      const out = (await npm(['pack', '--json', ...args, '--pack-destination', dir], ROOT)).stdout;
      return JSON.parse(out.slice(out.search(/^\[/m))) as Array<{ name: string; filename: string }>;
    };
    const packed = [...(await pack([])), ...(await pack(['-w', '@pixie-auth/verify']))];
    for (const p of packed) tarballs[p.name] = join(dir, p.filename);
    assert.deepEqual(Object.keys(tarballs).sort(), ['@pixie-auth/verify', 'pixie-auth']);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the verifier alone depends on jose only', async () => {
    const app = join(dir, 'api');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'api', private: true, type: 'module' }));
    await npm(['install', '--prefer-offline', tarballs['@pixie-auth/verify']!], app);
    assert.deepEqual(readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.')).sort(), ['@pixie-auth', 'jose']);
  });

  it('serves with `pixie serve --dev` and its tokens verify with @pixie-auth/verify', async () => {
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await npm(['install', '--prefer-offline', '--ignore-scripts', tarballs['pixie-auth']!, tarballs['@pixie-auth/verify']!], app);
    cpSync(join(ROOT, 'node_modules/better-sqlite3/build'), join(app, 'node_modules/better-sqlite3/build'), { recursive: true });

    const server = await spawnPixieFrom(join(app, 'node_modules/.bin/pixie'), app, ['--dev', '--data', join(app, 'data')]);
    try {
      const issuer = `${server.url}/default/default`;
      const res = await fetch(`${issuer}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('client-confidential:dev-secret-change-me').toString('base64')}` },
        body: 'grant_type=client_credentials&scope=read_inbox',
      });
      assert.equal(res.status, 200);
      const { access_token: token } = (await res.json()) as { access_token: string };
      writeFileSync(join(app, 'verify.mjs'), [
        "import { createVerifier } from '@pixie-auth/verify';",
        'const [issuer, token] = process.argv.slice(2);',
        "const result = await createVerifier({ issuer }).verify(token, { scopes: ['read_inbox'] });",
        'console.log(JSON.stringify({ clientId: result.clientId, scopes: result.scopes }));',
      ].join('\n'));
      const out = await run(process.execPath, ['verify.mjs', issuer, token], { cwd: app });
      assert.deepEqual(JSON.parse(out.stdout), { clientId: 'client-confidential', scopes: ['read_inbox'] });
    } finally {
      await server.stop();
    }
  });
});
