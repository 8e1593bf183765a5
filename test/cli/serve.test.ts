/**
 * The real `pixie` command, as a user runs it: `serve --dev` prints how to try the flow and the
 * printed walk-through works; bad flags and bad import files fail with a clear message; SIGTERM
 * stops it cleanly; `pixie pkce` prints a matching verifier and challenge.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';
import { tempDirs } from '../helpers/temp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/pixie.mjs');
const ENTRY = join(ROOT, 'dist/cli/main.js');

/** Newest modification time of any file under `dir`. */
function newest(dir: string): number {
  return Math.max(...readdirSync(dir).map((name) => {
    const path = join(dir, name);
    const st = statSync(path);
    return st.isDirectory() ? newest(path) : st.mtimeMs;
  }));
}

// The command runs the compiled dist/ (as after `npm install`): build it when missing or older than src/.
before(() => {
  if (existsSync(ENTRY) && statSync(ENTRY).mtimeMs >= newest(join(ROOT, 'src'))) return;
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(built.status, 0, `npm run build failed:\n${built.stdout}${built.stderr}`);
});

/** The environment without Pixie's own variables, so only the flags under test count. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PIXIE_') || k === 'DATABASE_URL') delete env[k];
  return env;
}

function pixie(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tempDir = tempDirs('pixie-cli-');

describe('pixie serve --dev', () => {
  let child: ChildProcess;
  let stdout = '';
  let exited: Promise<number | null>;

  before(() => {
    child = spawn(process.execPath, [BIN, 'serve', '--dev', '--port', '0', '--data', tempDir()], { cwd: ROOT, env: cleanEnv() });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  });
  after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });

  /** Wait (polling, not sleeping for a fixed time) until `pattern` shows in the output. */
  async function waitForOutput(pattern: RegExp): Promise<RegExpMatchArray> {
    for (let i = 0; i < 300; i++) {
      const m = stdout.match(pattern);
      if (m) return m;
      if (child.exitCode !== null) assert.fail(`pixie exited with ${child.exitCode}:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`no ${pattern} in the output:\n${stdout}`);
  }

  async function waitReady(base: string): Promise<void> {
    for (let i = 0; i < 300; i++) {
      const res = await fetch(`${base}/readyz`).catch(() => null);
      if (res?.status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('/readyz never answered 200');
  }

  let base = '';

  it('becomes ready, prints the demo credentials, and the printed walk-through gets a token', async () => {
    const [, issuer] = await waitForOutput(/issuer\s+(http:\/\/127\.0\.0\.1:\d+\/default\/default)\n/);
    base = new URL(issuer!).origin;
    await waitReady(base);
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${base}/readyz`)).json(), { status: 'ready' });

    // The banner: who to sign in as, which clients exist, one URL to open, a curl line.
    await waitForOutput(/code=CODE\n/);
    assert.match(stdout, /user\s+user \/ user/);
    assert.match(stdout, /client-pkce/);
    assert.match(stdout, /client-confidential \/ \S+/);
    assert.match(stdout, new RegExp(`home page\\s+${base}/\n`));
    const [authorizeUrl] = stdout.match(new RegExp(`${issuer}/oauth2/authorize\\?\\S+`))!;
    const curl = stdout.slice(stdout.indexOf('curl -s')).split('\n').slice(0, 2).join(' ');
    assert.match(stdout, new RegExp(`npx pixie token --issuer ${issuer} --client-id client-pkce`));

    // Follow it as the walk-through says: open the URL, sign in as user/user, approve.
    const agent = new UserAgent(base);
    const callback = await agent.authorize(authorizeUrl, { username: 'user', password: 'user' });
    assert.equal(callback.origin + callback.pathname, `${base}/oauth/login_success`, 'the flow ends on a Pixie page');
    assert.equal(callback.searchParams.get('state'), 'demo');
    assert.equal(callback.searchParams.get('iss'), issuer);
    // The page shows the code to copy.
    const page = await (await agent.get(callback.toString())).text();
    const code = /<code id="auth-code">([^<]+)<\/code>/.exec(page)?.[1];
    assert.equal(code, callback.searchParams.get('code'));

    // Then the curl line, with CODE replaced: the same URL and -d fields, sent the way curl sends them.
    const [, tokenUrl] = curl.match(/curl -s (\S+)/)!;
    const form = new URLSearchParams([...curl.matchAll(/-d ([a-z_]+)=(\S+)/g)].map(([, k, v]) => [k!, v === 'CODE' ? code! : v!]));
    const challenge = new URL(authorizeUrl).searchParams.get('code_challenge');
    assert.equal(createHash('sha256').update(form.get('code_verifier')!).digest('base64url'), challenge, 'the printed verifier belongs to the URL');
    assert.notEqual(challenge, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'a fresh pair, not the RFC example');
    const res = await fetch(tokenUrl!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.scope, 'openid profile offline_access');
    assert.ok(body.access_token && body.id_token && body.refresh_token, JSON.stringify(body));
  });

  it('shows the first-start system admin secret once, in a block apart from the log lines, with how to rotate it', async () => {
    const [block] = await waitForOutput(/\n={78}\nSystem admin client created[\s\S]*?\n={78}\n/);
    assert.match(block, /client_id\s+system-admin\n/);
    assert.match(block, /client_secret\s+pxs_\S+\n/);
    assert.match(block, /pixie admin system-admin rotate/);
    assert.doesNotMatch(block, /"level":/, 'no JSON log line inside the block');
  });

  it('built, serves the same admin API document as the TypeScript sources', async () => {
    // dist/ is compiled by tsc, src/ by tsx (both with the bundles of dist/vendor/): the route
    // schemas and the document made from them must not differ.
    const fromDist = await (await fetch(`${base}/api/openapi.json`)).json();
    const server = await startTestServer();
    try {
      const fromSrc = (await server.app.inject('/api/openapi.json')).json();
      const strip = (doc: unknown) => JSON.parse(JSON.stringify(doc).replaceAll(base, 'ORIGIN').replaceAll(server.url, 'ORIGIN'));
      assert.ok(Object.keys(fromDist.paths).length > 10);
      assert.deepEqual(strip(fromDist), strip(fromSrc));
    } finally {
      await server.close();
    }
  });

  it('stops cleanly on SIGTERM with exit code 0', async () => {
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(stdout, /stopping/);
  });
});

describe('pixie serve: bad input fails clearly', () => {
  it('an import file with an unknown field exits non-zero naming its JSON path', () => {
    const dir = tempDir();
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({
      tenants: [{ id: 'default', servers: [{ id: 'default', clients: [{ client_id: 'x', colour: 'blue' }] }] }],
    }));
    const r = pixie(['serve', '--import', file, '--port', '0', '--data', join(dir, 'data')]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /\/tenants\/0\/servers\/0\/clients\/0\/colour: unknown field/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('an unreadable import file is named', () => {
    const dir = tempDir();
    const r = pixie(['serve', '--import', join(dir, 'missing.json'), '--port', '0', '--data', join(dir, 'data')]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /missing\.json/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('--port abc exits with a message naming the flag', () => {
    const r = pixie(['serve', '--port', 'abc', '--data', tempDir()]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--port "abc" is not a port number/);
  });

  it('an unknown flag is named', () => {
    const r = pixie(['serve', '--colour', 'blue']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--colour/);
  });
});

describe('pixie pkce', () => {
  it('--json prints a 64-character verifier whose S256 challenge matches', () => {
    const r = pixie(['pkce', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.code_verifier.length, 64);
    assert.match(out.code_verifier, /^[A-Za-z0-9\-._~]+$/);
    assert.equal(out.code_challenge_method, 'S256');
    assert.equal(out.code_challenge, createHash('sha256').update(out.code_verifier).digest('base64url'));
  });

  it('--length 10 fails with the allowed range', () => {
    const r = pixie(['pkce', '--length', '10']);
    assert.notEqual(r.status, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /--length must be a whole number from 43 to 128/);
  });

  it('--length 128 is accepted', () => {
    const r = pixie(['pkce', '--length', '128']);
    assert.equal(r.status, 0, r.stderr);
    const verifier = r.stdout.match(/^code_verifier=(\S+)$/m)![1]!;
    assert.equal(verifier.length, 128);
    assert.equal(r.stdout.match(/^code_challenge=(\S+)$/m)![1], createHash('sha256').update(verifier).digest('base64url'));
  });
});

describe('precompiled SQL (npm run build → dist/storage/sql.json)', () => {
  it('covers every statement with exactly what Kysely compiles, and a server from dist/ starts without Kysely', () => {
    const script = `
      import { createRequire } from 'node:module';
      import { isDeepStrictEqual } from 'node:util';
      const { allStatements, compile, compileWithKysely } = await import('./dist/storage/prepared.js');
      await import('./dist/storage/stores/index.js');
      const require = createRequire(import.meta.url);
      const kyselyLoaded = () => Object.keys(require.cache).some((k) => k.includes('/node_modules/kysely/'));
      const compiled = allStatements().flatMap((s) => ['sqlite', 'postgres'].map((d) => [s, d, compile(s, d)]));
      const before = kyselyLoaded();
      const mismatches = compiled.filter(([s, d, c]) => !isDeepStrictEqual(c, compileWithKysely(s, d))).map(([s, d]) => d + ' ' + s.name);
      console.log(JSON.stringify({ statements: allStatements().length, kyselyBefore: before, kyselyAfter: kyselyLoaded(), mismatches }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { statements: number; kyselyBefore: boolean; kyselyAfter: boolean; mismatches: string[] };
    assert.ok(out.statements > 50, `${out.statements} statements`);
    assert.equal(out.kyselyBefore, false, 'every statement compiled without loading Kysely');
    assert.equal(out.kyselyAfter, true, 'the comparison itself used Kysely');
    assert.deepEqual(out.mismatches, []);
  });
});

describe('vendor bundles (npm run build → dist/vendor/*.bundle.mjs)', () => {
  it('are what dist/ loads, and export everything the packages export', () => {
    const script = `
      const pkg = JSON.parse((await import('node:fs')).readFileSync('./node_modules/fastify/package.json', 'utf8'));
      const fastify = await import('./dist/vendor/fastify.js');
      const fastifyBundle = await import('./dist/vendor/fastify.bundle.mjs');
      const typebox = await import('./dist/vendor/typebox.js');
      const typeboxBundle = await import('./dist/vendor/typebox.bundle.mjs');
      const packageKeys = [...Object.keys(await import('@sinclair/typebox')), ...Object.keys(await import('@sinclair/typebox/value'))];
      console.log(JSON.stringify({
        fastifyFromBundle: fastify.Fastify === fastifyBundle.fastify && fastify.cookie === fastifyBundle.cookie && fastify.formbody === fastifyBundle.formbody,
        typeboxFromBundle: typebox.Type === typeboxBundle.Type && typebox.Value === typeboxBundle.Value,
        missingTypeBox: packageKeys.filter((k) => !(k in typeboxBundle)),
        fastifyVersion: fastify.Fastify().version, packageVersion: pkg.version,
        transport: await (async () => {
          // pino starts transports from files next to its own modules: it must not be bundled.
          const app = fastify.Fastify({ logger: { transport: { target: 'pino/file', options: { destination: '/dev/null' } } } });
          await app.ready();
          await app.close();
          return 'ok';
        })().catch((err) => String(err)),
      }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.fastifyFromBundle, true);
    assert.equal(out.typeboxFromBundle, true);
    assert.deepEqual(out.missingTypeBox, []);
    assert.equal(out.fastifyVersion, out.packageVersion);
    assert.equal(out.transport, 'ok', 'a pino transport works with the bundled Fastify');
  });

  it('are what the tests load too (src/vendor/ takes them from dist/vendor/)', async () => {
    const [fastify, fastifyBundle, typebox, typeboxBundle] = await Promise.all([
      import('../../src/vendor/fastify.js'), import(join(ROOT, 'dist/vendor/fastify.bundle.mjs')),
      import('../../src/vendor/typebox.js'), import(join(ROOT, 'dist/vendor/typebox.bundle.mjs')),
    ]);
    assert.equal(fastify.Fastify, fastifyBundle.fastify, 'Fastify from the bundle');
    assert.equal(fastify.cookie, fastifyBundle.cookie);
    assert.equal(typebox.Type, typeboxBundle.Type, 'TypeBox from the bundle');
  });

  it('hold exactly the package versions package-lock.json pins, which npm audit checks', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
    for (const name of ['fastify', 'typebox']) {
      const bundled = JSON.parse(readFileSync(join(ROOT, `dist/vendor/${name}.packages.json`), 'utf8')) as Record<string, string>;
      assert.ok(Object.keys(bundled).length > (name === 'fastify' ? 10 : 0), `${name}: ${Object.keys(bundled).join(', ')}`);
      const differ = Object.entries(bundled).filter(([dir, version]) => lock.packages[dir]?.version !== version)
        .map(([dir, version]) => `${dir}@${version} (lock: ${lock.packages[dir]?.version ?? 'absent'})`);
      assert.deepEqual(differ, [], `${name} bundle: not what package-lock.json lists (npm run build makes it again)`);
    }
  });
});
