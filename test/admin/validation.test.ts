/** Admin API input validation (SPEC §8): 400 `validation_failed` with the offending field named. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestServer } from '../helpers/server.js';
import { ADMIN, api, clientToken, startAdminServer } from './helpers.js';

let s: TestServer;
let token: string;
before(async () => {
  s = await startAdminServer();
  token = await clientToken(s.url, 'default', ADMIN);
});
after(async () => { await s.close(); });

const client = (extra: Record<string, unknown>) => ({
  authorization_server_id: 'default', client_id: 'v-client', public: true, redirect_uris: ['http://127.0.0.1/cb'], ...extra,
});

async function expect400(method: string, path: string, body: unknown, field: string): Promise<void> {
  const res = await api(s.url, method, path, token, body);
  assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error, 'validation_failed');
  assert.ok(res.body.message.includes(`"${field}"`), `message should name "${field}": ${res.body.message}`);
}

describe('admin API validation names the field', () => {
  it('rejects an unknown field in the client body', () => expect400('POST', '/api/admin/default/clients', client({ colour: 'red' }), 'colour'));
  it('rejects a missing client_id', () => expect400('POST', '/api/admin/default/clients', { authorization_server_id: 'default' }, 'client_id'));
  it('rejects an unknown grant type', () => expect400('POST', '/api/admin/default/clients', client({ grant_types: ['password'] }), 'grant_types.0'));
  it('rejects a wrong type', () => expect400('POST', '/api/admin/default/clients', client({ public: 'yes' }), 'public'));
  it('rejects an http redirect URI that is not loopback', () =>
    expect400('POST', '/api/admin/default/clients', client({ redirect_uris: ['http://127.0.0.1/ok', 'http://evil.example/cb'] }), 'redirect_uris.1'));
  it('rejects a redirect URI with a fragment', () => expect400('POST', '/api/admin/default/clients', client({ redirect_uris: ['https://a.example/cb#x'] }), 'redirect_uris.0'));
  it('rejects a public client that authenticates with a secret', () =>
    expect400('POST', '/api/admin/default/clients', client({ token_endpoint_auth_method: 'client_secret_basic' }), 'token_endpoint_auth_method'));
  it('rejects a public client with client_credentials', () =>
    expect400('POST', '/api/admin/default/clients', client({ grant_types: ['client_credentials'] }), 'grant_types'));
  it('rejects a scope the server does not define', () => expect400('POST', '/api/admin/default/clients', client({ scopes: ['openid', 'launch_missiles'] }), 'scopes.1'));
  it('rejects an unknown authorization server', () => expect400('POST', '/api/admin/default/clients', client({ authorization_server_id: 'nope' }), 'authorization_server_id'));
  it('rejects a bad page size', async () => {
    await expect400('GET', '/api/admin/default/users?limit=0', undefined, 'limit');
    await expect400('GET', '/api/admin/default/users?limit=ten', undefined, 'limit');
  });
  it('rejects a cursor it did not hand out', () => expect400('GET', '/api/admin/default/users?cursor=bogus', undefined, 'cursor'));
  it('rejects a short password', () => expect400('POST', '/api/admin/default/users', { username: 'bob', password: 'short' }, 'password'));
  it('rejects a token lifetime out of range', () => expect400('PATCH', '/api/admin/default/servers/default', { accessTokenTtl: 5 }, 'accessTokenTtl'));
  it('rejects an unknown access token format', () => expect400('PATCH', '/api/admin/default/servers/default', { accessTokenFormat: 'xml' }, 'accessTokenFormat'));
  it('rejects redefining a built-in scope', () =>
    expect400('PATCH', '/api/admin/default/servers/default', { scopes: [{ name: 'openid', description: 'x' }] }, 'scopes.0.name'));
  it('rejects a secret expiry in the past', () =>
    expect400('POST', '/api/admin/default/servers/default/clients/app-confidential/secrets', { expires_at: '2000-01-01T00:00:00Z' }, 'expires_at'));
  it('rejects a reserved or malformed tenant id', async () => {
    const { SYSTEM_SECRET } = await import('./helpers.js');
    token = await clientToken(s.url, 'system', { clientId: 'system-admin', secret: SYSTEM_SECRET });
    await expect400('POST', '/api/system/tenants', { id: 'oauth2' }, 'id');
    await expect400('POST', '/api/system/tenants', { id: 'UPPER' }, 'id');
    // Tenant admins get 403 for any other tenant first; the system admin reaches validation.
    await expect400('GET', '/api/admin/Not_A_Tenant/clients', undefined, 'tenant');
    token = await clientToken(s.url, 'default', ADMIN);
  });
  it('rejects a body that is not JSON without a 500', async () => {
    const res = await fetch(`${s.url}/api/admin/default/clients`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"client_id":',
    });
    assert.equal(res.status, 400);
  });
});

describe('pagination', () => {
  it('walks a list page by page with next_cursor, without repeats', async () => {
    for (let i = 0; i < 5; i++) {
      assert.equal((await api(s.url, 'POST', '/api/admin/default/clients', token, client({ client_id: `page-${i}` }))).status, 201);
    }
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const res = await api(s.url, 'GET', `/api/admin/default/clients?limit=2${cursor ? `&cursor=${cursor}` : ''}`, token);
      assert.equal(res.status, 200);
      assert.ok(res.body.items.length <= 2);
      seen.push(...res.body.items.map((c: { authorization_server_id: string; client_id: string }) => `${c.authorization_server_id}/${c.client_id}`));
      cursor = res.body.next_cursor;
      pages++;
    }
    assert.equal(new Set(seen).size, seen.length);
    for (let i = 0; i < 5; i++) assert.ok(seen.includes(`default/page-${i}`));
    assert.ok(pages >= 4);
  });
});
