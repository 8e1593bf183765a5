/**
 * The `pixie` command's messages, run in-process through its main function (run.ts): help on
 * every command, --version, missing actions, a taken port, an unreachable DATABASE_URL, admin
 * on a database that does not exist, and rotating the system admin secret.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../src/cli/run.js';
import { clientToken } from '../admin/helpers.js';
import { createTestSchema, PG_SKIP } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/server.js';
import { tempDirs } from '../helpers/temp.js';

interface Run { status: number; stdout: string; stderr: string }

/** The environment without Pixie's own variables, plus `env`. */
function cleanEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out = { ...process.env };
  for (const k of Object.keys(out)) if (k.startsWith('PIXIE_') || k === 'DATABASE_URL') delete out[k];
  return { ...out, ...env };
}

async function pixie(args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, { out: (t) => (stdout += t), err: (t) => (stderr += t), env: cleanEnv(env) });
  return { status, stdout, stderr };
}

const tempDir = tempDirs('pixie-cli-');

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('pixie --help and --version', () => {
  const helps: [string[], RegExp][] = [
    [['--help'], /pixie serve .*\n[\s\S]*pixie token[\s\S]*pixie admin/],
    [['help'], /pixie serve/],
    [['serve', '--help'], /--public-url URL[\s\S]*--workers N\|auto/],
    [['serve', '-h'], /pixie serve — run the authorization server/],
    [['token', '--help'], /pixie token --issuer URL --client-id ID[\s\S]*--refresh NAME/],
    [['pkce', '--help'], /--length N\s+verifier length, 43 to 128/],
    [['admin', '--help'], /pixie admin tenants list[\s\S]*pixie admin system-admin rotate/],
    [['admin', 'help'], /pixie admin users disable/],
    [['admin', 'clients', '--help'], /pixie admin clients create CLIENT_ID/],
    [['admin', 'clients', 'create', '--help'], /pixie admin clients delete CLIENT_ID/],
    [['admin', 'secrets', '--help'], /pixie admin secrets revoke CLIENT_ID SECRET_ID/],
    [['admin', 'system-admin', '--help'], /pixie admin system-admin rotate/],
  ];
  for (const [args, pattern] of helps) {
    it(`pixie ${args.join(' ')} prints usage and exits 0`, async () => {
      const r = await pixie(args);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Usage:/);
      assert.match(r.stdout, pattern);
      assert.equal(r.stderr, '');
    });
  }

  it('admin --help opens no database', async () => {
    const dir = join(tempDir(), 'none');
    assert.equal((await pixie(['admin', 'clients', '--help', '--data', dir])).status, 0);
    assert.equal(existsSync(dir), false);
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const r = await pixie([flag]);
      assert.equal(r.status, 0);
      assert.equal(r.stdout, `pixie ${version}\n`);
    }
  });
});

describe('pixie: usage mistakes name what is missing', () => {
  it('admin without a resource lists the resources', async () => {
    const r = await pixie(['admin']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /name a resource: tenants, clients, secrets, api-keys, registration-tokens, users, system-admin/);
  });

  it('admin RESOURCE without an action lists its actions', async () => {
    const r = await pixie(['admin', 'clients']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /admin clients: name an action: list, create, delete/);
    assert.match(r.stderr, /pixie admin clients create CLIENT_ID/);
    const secrets = await pixie(['admin', 'secrets']);
    assert.match(secrets.stderr, /name an action: list, create, revoke/);
  });

  it('an unknown action or resource is named, with the ones that exist', async () => {
    const action = await pixie(['admin', 'users', 'remove']);
    assert.equal(action.status, 2);
    assert.match(action.stderr, /unknown action "remove"; one of: list, create, disable/);
    const resource = await pixie(['admin', 'widgets', 'list']);
    assert.equal(resource.status, 2);
    assert.match(resource.stderr, /unknown resource "widgets"; one of: tenants, clients/);
    const command = await pixie(['frobnicate']);
    assert.equal(command.status, 2);
    assert.match(command.stderr, /unknown command "frobnicate"/);
  });
});

describe('pixie serve: a taken port', () => {
  let blocker: Server;
  after(() => blocker?.close());

  it('names the port and suggests --port', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    const r = await pixie(['serve', '--port', String(port), '--data', tempDir(), '--log-level', 'silent'], { PIXIE_ADMIN_CLIENT_SECRET: 'pxs_taken-port-test' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.match(r.stderr, /--port N/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});

describe('an unreachable DATABASE_URL', () => {
  it('is named with its host, never its password (serve and admin)', async () => {
    const port = await closedPort();
    const env = { DATABASE_URL: `postgres://pixie:Sup3r-s3cret-pw@127.0.0.1:${port}/pixiedb` };
    for (const args of [['serve', '--port', '0', '--log-level', 'silent'], ['admin', 'tenants', 'list']]) {
      const r = await pixie(args, env);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`DATABASE_URL \\(host 127\\.0\\.0\\.1:${port}, database pixiedb\\)`));
      assert.match(r.stderr, /ECONNREFUSED/);
      assert.doesNotMatch(r.stderr, /Sup3r-s3cret-pw/);
    }
  });
});

describe('pixie admin and its database', () => {
  it('refuses to create a database that does not exist, naming the file and how to point elsewhere', async () => {
    const dir = join(tempDir(), 'data');
    const r = await pixie(['admin', 'tenants', 'list', '--data', dir]);
    assert.equal(r.status, 2);
    assert.ok(r.stderr.includes(`no database at ${join(dir, 'pixie.db')}`), r.stderr);
    assert.match(r.stderr, /--data DIR \(PIXIE_DATA_DIR\) or DATABASE_URL/);
    assert.match(r.stderr, /--create/);
    assert.equal(existsSync(dir), false, 'nothing was created');
    const fromEnv = await pixie(['admin', 'tenants', 'list'], { PIXIE_DATA_DIR: dir });
    assert.ok(fromEnv.stderr.includes(join(dir, 'pixie.db')), 'PIXIE_DATA_DIR counts too');
  });

  it('creates one with --create and says which database it opened, on stderr', async () => {
    const dir = join(tempDir(), 'data');
    const r = await pixie(['admin', 'tenants', 'list', '--data', dir, '--create', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(dir, 'pixie.db')));
    assert.ok(r.stderr.includes(`using SQLite ${join(dir, 'pixie.db')}`), r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { id: string }[]).map((t) => t.id), ['default']);
    const again = await pixie(['admin', 'tenants', 'list', '--data', dir]);
    assert.equal(again.status, 0, 'an existing database needs no --create');
    assert.match(again.stderr, /using SQLite/);
  });

  it('refuses a PostgreSQL schema without Pixie\'s tables unless --create', { skip: PG_SKIP }, async () => {
    const schema = await createTestSchema();
    try {
      const env = { DATABASE_URL: schema.url };
      const r = await pixie(['admin', 'tenants', 'list'], env);
      assert.equal(r.status, 2);
      assert.match(r.stderr, new RegExp(`no Pixie tables in schema "${schema.name}" of DATABASE_URL \\(host [^)]+\\)`));
      assert.match(r.stderr, /--create/);
      const created = await pixie(['admin', 'tenants', 'list', '--create'], env);
      assert.equal(created.status, 0, created.stderr);
      assert.match(created.stderr, /using PostgreSQL/);
      assert.equal((await pixie(['admin', 'tenants', 'list'], env)).status, 0);
    } finally {
      await schema.drop();
    }
  });

  it('system-admin rotate prints a new secret once; the old one stops working', async () => {
    // The server restarts between rotations: a running one reads client secrets through a
    // cache of a second, so another process's change is seen a moment later.
    const dir = tempDir();
    const started = async () => startTestServer({ imports: [], config: { dataDir: dir } });
    const works = async (secret: string) => {
      const server = await started();
      try {
        return await clientToken(server.url, 'system', { clientId: 'system-admin', secret }, 'admin', 'manage_configuration').then(() => true, () => false);
      } finally {
        await server.close();
      }
    };
    const first = await started();
    const old = first.systemAdmin.generatedSecret!;
    await first.close();
    assert.match(old, /^pxs_/);
    assert.equal(await works(old), true);

    const r = await pixie(['admin', 'system-admin', 'rotate', '--data', dir]);
    assert.equal(r.status, 0, r.stderr);
    const secret = /new secret \(shown once, store it now; the previous one stops working\): (pxs_\S+)/.exec(r.stdout)?.[1];
    assert.ok(secret && secret !== old, r.stdout);
    assert.equal(await works(secret), true);
    assert.equal(await works(old), false);

    const json = await pixie(['admin', 'system-admin', 'rotate', '--data', dir, '--json']);
    const body = JSON.parse(json.stdout) as { client_id: string; client_secret: string };
    assert.equal(body.client_id, 'system-admin');
    assert.equal(await works(body.client_secret), true);
    assert.equal(await works(secret), false);
  });
});
