/** `pixie admin …` on the configured database (SPEC §11), checked against a server on the same database. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { main } from '../../src/cli/run.js';
import { createPixie, type Pixie } from '../../src/server.js';
import { clientToken } from '../admin/helpers.js';

let dataDir: string;
let server: Pixie;
/** A live secret of acme's `svc` client, for introspection. */
let svcSecret: string;

/** `pixie admin …` run in-process through the command's main function (as a child process it costs a second each). */
async function pixie(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const env = { ...process.env, PIXIE_DATA_DIR: dataDir, DATABASE_URL: '', PIXIE_PASSWORD_HASH_COST: '14' };
  const status = await main(['admin', ...args], { out: (t) => (stdout += t), err: (t) => (stderr += t), env });
  return { status, stdout, stderr };
}
async function ok(...args: string[]): Promise<string> {
  const r = await pixie(...args);
  assert.equal(r.status, 0, `pixie admin ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pixie-cli-'));
  server = await createPixie({ ...DEFAULT_CONFIG, port: 0, dataDir, logLevel: 'silent', publicUrl: '' }, { adminClientSecret: 'pxs_cli-test-system-secret' });
  await server.listen();
});
after(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('pixie admin', () => {
  it('registration-tokens: create (shown once), list with status and uses, revoke; the token works on a server in token mode', async () => {
    const s = (await server.deps.stores.servers.get('default', 'default'))!;
    await server.deps.stores.servers.upsert({ ...s, settings: { ...s.settings, registration: 'token' } }, Math.floor(Date.now() / 1000));
    await server.deps.stores.sync();
    server.deps.directory.invalidate('default', 'default');
    assert.match(await ok('registration-tokens', '--help'), /pixie admin registration-tokens create \[--tenant T\] \[--server S\] \[--name NAME\] \[--max-uses N\]/);
    const created = JSON.parse(await ok('registration-tokens', 'create', '--name', 'partner', '--max-uses', '1', '--json'));
    assert.match(created.token, /^pxia_/);
    const register = (token: string) => fetch(`${server.url}/default/default/oauth2/register`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' }),
    });
    assert.equal((await register(created.token)).status, 201);
    assert.equal((await register(created.token)).status, 401, 'used up');
    const table = await ok('registration-tokens', 'list');
    assert.ok(!table.includes(created.token));
    assert.match(table, new RegExp(`^${created.id}\\s+partner\\s+pxia_\\S+\\s+used_up\\s+1\\s+1`, 'm'));
    const second = JSON.parse(await ok('registration-tokens', 'create', '--json'));
    await ok('registration-tokens', 'revoke', second.id);
    assert.equal((await register(second.token)).status, 401, 'revoked');
    const bad = await pixie('registration-tokens', 'create', '--max-uses', 'many');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /max_uses/);
    assert.match(await ok('clients', 'list'), /DYNAMIC/);
    await server.deps.stores.servers.upsert(s, Math.floor(Date.now() / 1000));
    await server.deps.stores.sync();
    server.deps.directory.invalidate('default', 'default');
  });

  it('creates and lists tenants as a table and as JSON', async () => {
    await ok('tenants', 'create', 'acme', '--name', 'Acme Inc');
    const table = await ok('tenants', 'list');
    assert.match(table, /^ID\s+NAME$/m);
    assert.match(table, /^acme\s+Acme Inc$/m);
    const json = JSON.parse(await ok('tenants', 'list', '--json')) as { id: string }[];
    assert.deepEqual(json.map((t) => t.id).sort(), ['acme', 'default', 'system']);
  });

  it('creates a confidential client whose secret, shown once, works on the server until revoked', async () => {
    const created = JSON.parse(await ok('clients', 'create', 'svc', '--tenant', 'acme', '--grant-type', 'client_credentials', '--scope', 'read_inbox', '--json'));
    const secret: string = created.client_secret;
    assert.match(secret, /^pxs_/);
    const secrets = await ok('secrets', 'list', 'svc', '--tenant', 'acme');
    assert.ok(!secrets.includes(secret), 'a listed secret shows its prefix only');
    assert.match(secrets, new RegExp(secret.slice(0, 8)));
    await clientToken(server.url, 'acme', { clientId: 'svc', secret }, 'default', 'read_inbox');

    const extra = JSON.parse(await ok('secrets', 'create', 'svc', '--tenant', 'acme', '--name', 'rotation', '--json'));
    const list = JSON.parse(await ok('secrets', 'list', 'svc', '--tenant', 'acme', '--json')) as { id: string; name: string }[];
    assert.deepEqual(list.map((s) => s.name).sort(), ['default', 'rotation']);
    const first = list.find((s) => s.name === 'default')!;
    await ok('secrets', 'revoke', 'svc', first.id, '--tenant', 'acme');
    await assert.rejects(clientToken(server.url, 'acme', { clientId: 'svc', secret }, 'default', 'read_inbox'), /401/);
    await clientToken(server.url, 'acme', { clientId: 'svc', secret: extra.secret }, 'default', 'read_inbox');
    svcSecret = extra.secret;
  });

  it('creates API keys, shown once, that introspect active on the server until revoked', async () => {
    const introspect = async (key: string) => {
      const res = await fetch(`${server.url}/acme/default/oauth2/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`svc:${svcSecret}`).toString('base64')}` },
        body: new URLSearchParams({ token: key }),
      });
      return await res.json() as { active: boolean; token_type?: string };
    };
    const out = await ok('api-keys', 'create', 'svc', '--tenant', 'acme', '--name', 'Production');
    const key = /API key \(shown once, store it now\): (pxk_\S+)/.exec(out)?.[1];
    assert.ok(key, out);
    assert.equal((await introspect(key)).token_type, 'api_key');
    const table = await ok('api-keys', 'list', 'svc', '--tenant', 'acme');
    assert.match(table, /^ID\s+NAME\s+DISPLAY_PREFIX/m);
    assert.ok(!table.includes(key) && table.includes(key.slice(0, 8)), 'a listed key shows its prefix only');
    const [listed] = JSON.parse(await ok('api-keys', 'list', 'svc', '--tenant', 'acme', '--json')) as { id: string; name: string }[];
    assert.equal(listed!.name, 'Production');
    await ok('api-keys', 'revoke', 'svc', listed!.id, '--tenant', 'acme');
    assert.equal((await introspect(key)).active, false);
    const again = await pixie('api-keys', 'revoke', 'svc', listed!.id, '--tenant', 'acme');
    assert.notEqual(again.status, 0);
    const long = await pixie('api-keys', 'create', 'svc', '--tenant', 'acme', '--name', 'x'.repeat(101));
    assert.equal(long.status, 2);
    assert.match(long.stderr, /name:/);
  });

  it('lists and deletes clients', async () => {
    await ok('clients', 'create', 'web', '--tenant', 'acme', '--public', '--redirect-uri', 'http://127.0.0.1/cb', '--scope', 'openid');
    assert.match(await ok('clients', 'list', '--tenant', 'acme'), /^default\s+web\s+web\s+true/m);
    await ok('clients', 'delete', 'web', '--tenant', 'acme');
    assert.doesNotMatch(await ok('clients', 'list', '--tenant', 'acme'), /\bweb\b/);
  });

  it('creates, disables and lists users, printing a generated password once', async () => {
    const out = await ok('users', 'create', 'bob', '--tenant', 'acme', '--email', 'bob@example.com');
    assert.match(out, /password \(shown once\): \S{20,}/);
    await ok('users', 'disable', 'bob', '--tenant', 'acme');
    const users = JSON.parse(await ok('users', 'list', '--tenant', 'acme', '--json')) as { username: string; disabled: boolean }[];
    assert.deepEqual(users.map((u) => [u.username, u.disabled]), [['bob', true]]);
    assert.equal(JSON.parse(await ok('users', 'list', '--json')).length, 0, 'the default tenant has no bob');
  });

  it('records its changes in the audit log as the command line', async () => {
    const entries = await server.db.stores.audit.list('acme', { createdAt: Number.MAX_SAFE_INTEGER, id: '\uffff' }, 100);
    const actions = entries.map((e) => e.action);
    for (const a of ['tenant.create', 'client.create', 'secret.create', 'secret.revoke', 'api_key.create', 'api_key.revoke', 'client.delete', 'user.create', 'user.disable']) {
      assert.ok(actions.includes(a), `${a} in ${actions.join(',')}`);
    }
    assert.ok(entries.every((e) => e.actorClientId === 'pixie-admin-cli' && e.actorTenantId === null));
  });

  it('creates a tenant with its admin client, printing the secret once, and the secret works', async () => {
    const out = await ok('tenants', 'create', 'globex', '--admin-client', 'globex-admin');
    assert.match(out, /^ID\s+NAME\s+ADMIN_CLIENT$/m);
    assert.match(out, /^globex\s+globex\s+globex-admin$/m);
    const secret = /admin client secret \(shown once, store it now\): (pxs_\S+)/.exec(out)?.[1];
    assert.ok(secret, out);
    const token = await clientToken(server.url, 'globex', { clientId: 'globex-admin', secret });
    const res = await fetch(`${server.url}/api/admin/globex/clients`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
  });

  it('lists every tenant page after page, and searches by prefix', async () => {
    // More tenants than one page of the listing (200).
    for (let i = 0; i < 230; i++) await server.db.stores.tenants.upsert({ id: `bulk-${String(i).padStart(3, '0')}`, name: `Bulk ${i}` }, 1);
    await server.db.stores.sync(); // committed before the command reads them
    const all = JSON.parse(await ok('tenants', 'list', '--json')) as { id: string }[];
    assert.equal(all.filter((t) => t.id.startsWith('bulk-')).length, 230);
    assert.deepEqual(all.map((t) => t.id), all.map((t) => t.id).sort());
    const found = JSON.parse(await ok('tenants', 'list', '--search', 'BULK 22', '--json')) as { id: string }[];
    assert.deepEqual(found.map((t) => t.id), ['bulk-022', ...Array.from({ length: 10 }, (_, i) => `bulk-22${i}`)]);
    assert.equal(JSON.parse(await ok('tenants', 'list', '--limit', '3', '--json')).length, 3);
  });

  it('fails with exit code 2 and names the field on bad input', async () => {
    const bad = await pixie('clients', 'create', 'bad', '--redirect-uri', 'http://evil.example/cb');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /redirect_uris\.0/);
    const enumBad = await pixie('clients', 'create', 'bad', '--grant-type', 'password');
    assert.equal(enumBad.status, 2);
    assert.match(enumBad.stderr, /grant_types\.0: must be one of/);
    const unknown = await pixie('frobnicate', 'now');
    assert.equal(unknown.status, 2);
  });
});
