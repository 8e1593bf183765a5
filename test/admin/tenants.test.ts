/**
 * Tenants through the admin API at scale: a tenant created with its admin client in one step,
 * tenant and server listings in keyset pages with prefix search, and deleting a tenant with
 * every row it has (clients, users, tokens, sessions, …) while other tenants keep theirs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';
import { rawDatabase, rowsByTable } from '../storage/contract-tenants.js';
import { api, clientToken, startAdminServer, SYSTEM_SECRET } from './helpers.js';

let s: TestServer;
let systemToken: string;
before(async () => {
  s = await startAdminServer();
  systemToken = await clientToken(s.url, 'system', { clientId: 'system-admin', secret: SYSTEM_SECRET });
});
after(async () => { await s.close(); });

/** Every page of a listing, following next_cursor. */
async function allPages(path: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await api(s.url, 'GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, systemToken);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    ids.push(...res.body.items.map((x: { id: string }) => x.id));
    cursor = res.body.next_cursor;
    pages++;
  } while (cursor);
  return { ids, pages };
}

describe('creating a tenant with its admin client', () => {
  it('returns the admin client secret once, and it manages that tenant only', async () => {
    const res = await api(s.url, 'POST', '/api/system/tenants', systemToken, { id: 'initech', name: 'Initech', admin_client: { client_id: 'initech-admin' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.id, 'initech');
    assert.equal(res.body.admin_client.authorization_server_id, 'admin');
    assert.equal(res.body.admin_client.client_id, 'initech-admin');
    const secret: string = res.body.admin_client.client_secret;
    assert.match(secret, /^pxs_/);
    const token = await clientToken(s.url, 'initech', { clientId: 'initech-admin', secret });
    const client = await api(s.url, 'GET', '/api/admin/initech/servers/admin/clients/initech-admin', token);
    assert.equal(client.status, 200);
    assert.deepEqual(client.body.grant_types, ['client_credentials']);
    assert.deepEqual(client.body.scopes, ['manage_configuration']);
    assert.ok(!JSON.stringify(client.body).includes(secret), 'the secret is not shown again');
    assert.equal((await api(s.url, 'GET', '/api/admin/acme/clients', token)).status, 403);
  });

  it('rejects an invalid admin client id with 400 naming it, and creates nothing', async () => {
    const bad = await api(s.url, 'POST', '/api/system/tenants', systemToken, { id: 'hooli', admin_client: { client_id: 'has space' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /admin_client/);
    assert.equal((await api(s.url, 'GET', '/api/system/tenants?q=hooli', systemToken)).body.items.length, 0);
    const plain = await api(s.url, 'POST', '/api/system/tenants', systemToken, { id: 'hooli' });
    assert.equal(plain.status, 201);
    assert.equal(plain.body.admin_client, undefined);
  });
});

describe('tenant and server listings', () => {
  before(async () => {
    for (const [id, name] of [['list-a1', 'Alpha'], ['list-a2', 'Alpaca'], ['list-b', 'Bravo'], ['zulu', 'LIST Zulu']]) {
      assert.equal((await api(s.url, 'POST', '/api/system/tenants', systemToken, { id, name })).status, 201);
    }
  });

  it('lists every tenant in keyset pages, in id order', async () => {
    const { ids, pages } = await allPages('/api/system/tenants', 2);
    assert.ok(pages >= 4, `${pages} pages`);
    assert.deepEqual(ids, [...ids].sort());
    assert.equal(new Set(ids).size, ids.length, 'no tenant twice');
    for (const id of ['acme', 'default', 'system', 'list-a1', 'list-a2', 'list-b', 'zulu']) assert.ok(ids.includes(id), id);
  });

  it('searches tenants by id prefix or name prefix, ignoring ASCII case, page by page', async () => {
    assert.deepEqual((await allPages('/api/system/tenants?q=list', 1)).ids, ['list-a1', 'list-a2', 'list-b', 'zulu']);
    assert.deepEqual((await allPages('/api/system/tenants?q=ALP', 50)).ids, ['list-a1', 'list-a2']);
    assert.deepEqual((await allPages('/api/system/tenants?q=lpha', 50)).ids, [], 'a prefix, not a substring');
  });

  it('lists and searches a tenant\'s servers in keyset pages', async () => {
    const token = await clientToken(s.url, 'system', { clientId: 'system-admin', secret: SYSTEM_SECRET });
    for (const id of ['api-1', 'api-2', 'web']) {
      assert.equal((await api(s.url, 'POST', '/api/admin/acme/servers', token, { id })).status, 201);
    }
    const all = await allPages('/api/admin/acme/servers', 2);
    assert.deepEqual(all.ids, ['admin', 'api-1', 'api-2', 'default', 'web']);
    assert.equal(all.pages, 3);
    assert.deepEqual((await allPages('/api/admin/acme/servers?q=api', 1)).ids, ['api-1', 'api-2']);
    const first = await api(s.url, 'GET', '/api/admin/acme/servers?limit=1', token);
    assert.equal(first.body.items[0].issuer, `${s.url}/acme/admin`);
  });

  it('answers 400 naming the parameter for a bad limit, cursor or q', async () => {
    for (const [query, field] of [['limit=0', 'limit'], ['limit=500', 'limit'], ['cursor=nonsense', 'cursor'], ['q=', 'q']]) {
      const res = await api(s.url, 'GET', `/api/system/tenants?${query}`, systemToken);
      assert.equal(res.status, 400, query);
      assert.match(res.body.message, new RegExp(field!), query);
    }
    assert.equal((await api(s.url, 'GET', '/api/admin/acme/servers?cursor=nonsense', systemToken)).status, 400);
  });
});

describe('deleting a tenant', () => {
  it('removes every row it has in every table, keeps other tenants whole, and records the deletion', async () => {
    const created = await api(s.url, 'POST', '/api/system/tenants', systemToken, { id: 'doomed', admin_client: { client_id: 'doomed-admin' } });
    assert.equal(created.status, 201);
    const admin = await clientToken(s.url, 'doomed', { clientId: 'doomed-admin', secret: created.body.admin_client.client_secret });
    const user = { username: 'wanda', password: 'doomed-password-1' };
    assert.equal((await api(s.url, 'POST', '/api/admin/doomed/users', admin, user)).status, 201);
    const app = await api(s.url, 'POST', '/api/admin/doomed/clients', admin, {
      authorization_server_id: 'default', client_id: 'doomed-app', public: true, grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['http://127.0.0.1/cb'], scopes: ['openid', 'offline_access'],
    });
    assert.equal(app.status, 201, JSON.stringify(app.body));
    const svc = await api(s.url, 'POST', '/api/admin/doomed/clients', admin, {
      authorization_server_id: 'default', client_id: 'doomed-svc', grant_types: ['client_credentials'], scopes: ['read_inbox'],
    });
    assert.equal((await api(s.url, 'POST', '/api/admin/doomed/servers/default/clients/doomed-svc/api-keys', admin, { name: 'k' })).status, 201);
    // A signed-in user (session), a consent (grant), a code exchanged for tokens, and service tokens.
    const { verifier, challenge } = pkce();
    const back = await new UserAgent(s.url).authorize(`${s.url}/doomed/default/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: 'doomed-app', redirect_uri: 'http://127.0.0.1/cb', scope: 'openid offline_access',
      code_challenge: challenge, code_challenge_method: 'S256',
    })}`, user);
    const exchanged = await fetch(`${s.url}/doomed/default/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: 'http://127.0.0.1/cb', client_id: 'doomed-app', code_verifier: verifier,
      }),
    });
    assert.equal(exchanged.status, 200);
    for (let i = 0; i < 5; i++) await clientToken(s.url, 'doomed', { clientId: 'doomed-svc', secret: svc.body.client_secret }, 'default', 'read_inbox');
    // A failed sign-in leaves a throttling counter for the account.
    await new UserAgent(s.url).authorize(`${s.url}/doomed/default/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: 'doomed-app', redirect_uri: 'http://127.0.0.1/cb', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256',
    })}`, { username: 'wanda', password: 'wrong-password' }).catch(() => null);

    const raw = rawDatabase(s.db);
    const before = await rowsByTable(raw, 'doomed');
    for (const t of ['servers', 'signing_keys', 'clients', 'client_secrets', 'api_keys', 'users', 'grants', 'authorization_codes', 'tokens', 'sessions', 'audit_log']) {
      assert.ok(before[t]! > 0, `the tenant has rows in ${t}: ${JSON.stringify(before)}`);
    }
    assert.equal(await raw.countLoginAttempts('acct:doomed:'), 1);
    const others = { acme: await rowsByTable(raw, 'acme'), default: await rowsByTable(raw, 'default') };

    assert.equal((await api(s.url, 'DELETE', '/api/system/tenants/doomed', systemToken)).status, 204);
    const left = await rowsByTable(raw, 'doomed');
    assert.deepEqual(left, Object.fromEntries(Object.keys(left).map((t) => [t, 0])), 'no row of the tenant in any table');
    assert.equal(await raw.countLoginAttempts('acct:doomed:'), 0);
    assert.deepEqual({ acme: await rowsByTable(raw, 'acme'), default: await rowsByTable(raw, 'default') }, others, 'other tenants untouched');
    assert.equal((await fetch(`${s.url}/doomed/default/.well-known/openid-configuration`)).status, 404);
    assert.equal((await api(s.url, 'DELETE', '/api/system/tenants/doomed', systemToken)).status, 404);

    const audit = await api(s.url, 'GET', '/api/admin/system/audit-log', systemToken);
    const entry = audit.body.items.find((e: { action: string; target: string }) => e.action === 'tenant.delete' && e.target === 'doomed');
    assert.ok(entry, JSON.stringify(audit.body.items));
    assert.deepEqual(entry.actor, { tenant_id: 'system', client_id: 'system-admin' });
  });
});
