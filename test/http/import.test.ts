/**
 * The import file (SPEC §10) through `--import`: applying the same file again changes nothing and
 * keeps passwords and secrets working; a changed secret replaces the old one; unknown fields and
 * reserved ids are refused with their JSON path.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { ImportError, validateImport } from '../../src/import/validate.js';
import { createPixie, type Pixie } from '../../src/server.js';
import { TestClock } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const ADMIN_SECRET = 'pxs_admin-swagger-secret-from-the-file';

/** SPEC §10's example, verbatim except for the elided "…" secret. */
function specExample(adminSecret = ADMIN_SECRET) {
  return {
    tenants: [{
      id: 'default', name: 'Default',
      users: [{ username: 'user', password: 'user', email: 'user@example.com', name: 'Demo User' }],
      servers: [
        {
          id: 'default', accessTokenTtl: 3600, accessTokenFormat: 'jwt', allowPlainPkce: false,
          clients: [{
            client_id: 'client-pkce', client_name: 'My app', public: true,
            grant_types: ['authorization_code', 'refresh_token'],
            redirect_uris: ['http://127.0.0.1/callback'],
            token_endpoint_auth_method: 'none', response_types: ['code'],
            scopes: ['openid', 'profile', 'email', 'offline_access'],
          }],
        },
        {
          id: 'admin',
          clients: [{ client_id: 'admin-swagger', client_secret: adminSecret, grant_types: ['client_credentials'], scopes: ['manage_configuration'] }],
        },
      ],
    }],
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'pixie-import-'));
const importFile = join(dataDir, 'pixie-import.json');
const clock = new TestClock();
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** `pixie serve --import FILE` on the same data folder each time, on a random loopback port. */
async function serveWithImport(doc: unknown, body: (p: Pixie) => Promise<void>): Promise<void> {
  writeFileSync(importFile, JSON.stringify(doc, null, 2));
  const pixie = await createPixie({ ...DEFAULT_CONFIG, port: 0, dataDir, logLevel: 'silent', publicUrl: '', importFile }, { clock });
  try {
    await pixie.listen();
    await body(pixie);
  } finally {
    await pixie.close();
  }
}

const TABLES = ['tenants', 'servers', 'signing_keys', 'clients', 'client_secrets', 'api_keys', 'users'];

/** Every row the import touches, read straight from the SQLite file. */
function snapshot(): Record<string, unknown[]> {
  const db = new BetterSqlite3(join(dataDir, 'pixie.db'), { readonly: true });
  try {
    // The `system` tenant (the bootstrap admin client) is Pixie's own, not the file's.
    const rows = (t: string) => (db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).all() as { tenant_id?: string; id?: string }[])
      .filter((r) => (t === 'tenants' ? r.id : r.tenant_id) !== 'system');
    return Object.fromEntries(TABLES.map((t) => [t, rows(t)]));
  } finally {
    db.close();
  }
}

/** The demo user signs in to client-pkce and gets tokens: the password works. */
async function passwordWorks(p: Pixie): Promise<void> {
  const issuer = `${p.url}/default/default`;
  const { verifier, challenge } = pkce();
  const callback = await new UserAgent(p.url).authorize(`${issuer}/oauth2/authorize?${new URLSearchParams({
    response_type: 'code', client_id: 'client-pkce', redirect_uri: 'http://127.0.0.1/callback', scope: 'openid',
    code_challenge: challenge, code_challenge_method: 'S256',
  })}`, { username: 'user', password: 'user' });
  const res = await tokenRequest(issuer, {
    grant_type: 'authorization_code', client_id: 'client-pkce', code: callback.searchParams.get('code') ?? '',
    redirect_uri: 'http://127.0.0.1/callback', code_verifier: verifier,
  });
  assert.equal(res.status, 200, await res.clone().text());
}

function tokenRequest(issuer: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${issuer}/oauth2/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form),
  });
}

/** client_credentials for admin-swagger at the tenant's admin server with `secret`. */
function adminToken(p: Pixie, secret: string): Promise<Response> {
  return tokenRequest(`${p.url}/default/admin`, { grant_type: 'client_credentials', scope: 'manage_configuration' }, {
    authorization: `Basic ${Buffer.from(`admin-swagger:${secret}`).toString('base64')}`,
  });
}

describe('--import with the SPEC §10 example', () => {
  let first: Record<string, unknown[]>;

  it('imports it: the password and the client secret work', async () => {
    await serveWithImport(specExample(), async (p) => {
      assert.deepEqual(p.imported, [{ tenants: 1, servers: 2, clients: 2, users: 1 }]);
      await passwordWorks(p);
      const res = await adminToken(p, ADMIN_SECRET);
      assert.equal(res.status, 200);
      assert.equal((await res.json()).scope, 'manage_configuration');
    });
    first = snapshot();
    assert.equal(first.users!.length, 1);
    assert.equal(first.client_secrets!.length, 1);
    assert.ok(!JSON.stringify(first).includes(ADMIN_SECRET), 'the secret is stored hashed');
    assert.ok(!JSON.stringify(first.users).includes('"user","user"'), 'the password is stored hashed');
  });

  it('imports it again, later: the same rows, and the password and secret still work', async () => {
    clock.advance(120);
    await serveWithImport(specExample(), async (p) => {
      await passwordWorks(p);
      assert.equal((await adminToken(p, ADMIN_SECRET)).status, 200);
    });
    const second = snapshot();
    // Signing in and using the secret legitimately touch "last used"; nothing else may change.
    const lastUse = (rows: unknown[]) => rows.map((r) => ({ ...(r as object), last_used_at: null }));
    for (const table of TABLES) {
      assert.deepEqual(lastUse(second[table]!), lastUse(first[table]!), `table ${table} changed on re-import`);
    }
  });

  it('a secret changed in the file replaces the old one', async () => {
    const rotated = 'pxs_admin-swagger-secret-rotated-in-the-file';
    await serveWithImport(specExample(rotated), async (p) => {
      assert.equal((await adminToken(p, rotated)).status, 200);
      const old = await adminToken(p, ADMIN_SECRET);
      assert.equal(old.status, 401);
      assert.equal((await old.json()).error, 'invalid_client');
    });
    const secrets = snapshot().client_secrets as { name: string }[];
    assert.deepEqual(secrets.map((s) => s.name), ['default']);
  });
});

/** The problems an invalid document is refused with. */
function problems(doc: unknown): string[] {
  try {
    validateImport(doc);
  } catch (err) {
    assert.ok(err instanceof ImportError, String(err));
    return err.problems;
  }
  assert.fail('the document was accepted');
}

describe('import validation', () => {
  it('names an unknown field by its JSON path, at every level', () => {
    const doc = specExample() as Record<string, any>;
    doc.tenants[0].servers[0].clients[0].colour = 'blue';
    doc.tenants[0].users[0].role = 'admin';
    doc.tenants[0].servers[1].accessTokenTTL = 60;
    doc.tenants[0].region = 'eu';
    doc.version = 2;
    const found = problems(doc);
    for (const line of [
      '/tenants/0/servers/0/clients/0/colour: unknown field',
      '/tenants/0/users/0/role: unknown field',
      '/tenants/0/servers/1/accessTokenTTL: unknown field (did you mean "accessTokenTtl"?)',
      '/tenants/0/region: unknown field',
      '/version: unknown field',
    ]) assert.ok(found.includes(line), `missing "${line}" in ${JSON.stringify(found)}`);
  });

  it('names an unknown field inside a named secret', () => {
    const doc = specExample() as Record<string, any>;
    doc.tenants[0].servers[1].clients[0].client_secret = [{ name: 'ci', secret: 'pxs_a-long-enough-secret', expires: '2030-01-01' }];
    const found = problems(doc);
    assert.deepEqual(found, ['/tenants/0/servers/1/clients/0/client_secret/0/expires: unknown field']);
  });

  it('refuses reserved ids for tenants and servers', () => {
    const tenant = specExample() as Record<string, any>;
    tenant.tenants[0].id = 'api';
    assert.deepEqual(problems(tenant), ['/tenants/0/id: "api" is a reserved word']);
    const server = specExample() as Record<string, any>;
    server.tenants[0].servers[0].id = 'oauth2';
    assert.deepEqual(problems(server), ['/tenants/0/servers/0/id: "oauth2" is a reserved word']);
  });

  it('names a wrong type and a bad value with their paths', () => {
    const doc = specExample() as Record<string, any>;
    doc.tenants[0].servers[0].accessTokenTtl = 'an hour';
    doc.tenants[0].servers[0].clients[0].grant_types = ['password'];
    const found = problems(doc);
    assert.equal(found.length, 2, JSON.stringify(found));
    assert.match(found[0]!, /^\/tenants\/0\/servers\/0\/accessTokenTtl: Expected integer \(got "an hour"\)$/);
    assert.match(found[1]!, /^\/tenants\/0\/servers\/0\/clients\/0\/grant_types\/0: must be one of "authorization_code", .* \(got "password"\)$/);
  });

  it('the example verbatim, with its "…" placeholder secret, is refused with the reason', () => {
    const doc = specExample('…');
    assert.deepEqual(problems(doc), ['/tenants/0/servers/1/clients/0/client_secret: Expected string length greater or equal to 8 (got "…")']);
  });

  it('an invalid file stops the server from starting and changes nothing', async () => {
    const before = snapshot();
    const doc = specExample('pxs_a-secret-that-must-not-be-applied') as Record<string, any>;
    doc.tenants[0].servers[0].clients[0].colour = 'blue';
    await assert.rejects(serveWithImport(doc, async () => assert.fail('started')), (err: unknown) => {
      assert.ok(err instanceof ImportError, String(err));
      assert.match(err.message, /\/tenants\/0\/servers\/0\/clients\/0\/colour: unknown field/);
      return true;
    });
    assert.deepEqual(snapshot(), before);
  });
});
