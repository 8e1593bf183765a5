/**
 * Seed 004 as a test: an admin token from the default tenant's admin server, `client-pkce`
 * created with the seed's exact JSON body, then the authorization code flow with PKCE.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FIXTURE } from '../helpers/fixture.js';
import type { TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';
import { ADMIN, ADMIN_FIXTURE, api, clientToken, startAdminServer } from './helpers.js';

const SEED_BODY = {
  authorization_server_id: 'default',
  client_id: 'client-pkce',
  client_name: 'My app',
  grant_types: ['authorization_code'],
  public: true,
  redirect_uris: ['http://127.0.0.1/callback'],
  token_endpoint_auth_method: 'none',
  response_types: ['code'],
  scopes: ['openid'],
};
const SEED_USER = { username: 'user', password: 'user' };

let s: TestServer;
before(async () => {
  s = await startAdminServer({ imports: [FIXTURE, ADMIN_FIXTURE, { tenants: [{ id: 'default', users: [SEED_USER] }] }] });
});
after(async () => { await s.close(); });

describe('seed 004: create a client through the admin API and get tokens with PKCE', () => {
  it('creates client-pkce from the seed body (201) and completes the code flow with user:user', async () => {
    const adminToken = await clientToken(s.url, 'default', ADMIN);
    const created = await api(s.url, 'POST', '/api/admin/default/clients', adminToken, SEED_BODY);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const [k, v] of Object.entries(SEED_BODY)) assert.deepEqual(created.body[k], v, k);
    assert.equal(created.body.client_secret, undefined, 'a public client gets no secret');

    const shown = await api(s.url, 'GET', '/api/admin/default/servers/default/clients/client-pkce', adminToken);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.client_name, 'My app');

    const { verifier, challenge } = pkce();
    const ua = new UserAgent(s.url);
    const back = await ua.authorize(`${s.issuer}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: 'client-pkce', redirect_uri: 'http://127.0.0.1/callback', scope: 'openid',
      state: 'seed-004', code_challenge: challenge, code_challenge_method: 'S256',
    })}`, SEED_USER);
    assert.equal(back.searchParams.get('state'), 'seed-004');
    const code = back.searchParams.get('code');
    assert.ok(code, `no code in ${back}`);

    const res = await fetch(`${s.issuer}/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', client_id: 'client-pkce', code, redirect_uri: 'http://127.0.0.1/callback', code_verifier: verifier,
      }),
    });
    assert.equal(res.status, 200);
    const tokens = await res.json() as Record<string, unknown>;
    assert.ok(tokens.access_token);
    assert.ok(tokens.id_token);
    assert.equal(tokens.expires_in, 3600);
    assert.equal(tokens.scope, 'openid');
    assert.equal(String(tokens.token_type).toLowerCase(), 'bearer');
  });

  it('records the creation in the audit log with the admin client as actor', async () => {
    const adminToken = await clientToken(s.url, 'default', ADMIN);
    const log = await api(s.url, 'GET', '/api/admin/default/audit-log', adminToken);
    assert.equal(log.status, 200);
    const entry = log.body.items.find((e: { action: string }) => e.action === 'client.create');
    assert.ok(entry, JSON.stringify(log.body));
    assert.deepEqual(entry.actor, { tenant_id: 'default', client_id: ADMIN.clientId });
    assert.equal(entry.target, 'default/client-pkce');
    assert.ok(entry.created_at > 0);
  });

  it('refuses a second client with the same id with 409', async () => {
    const adminToken = await clientToken(s.url, 'default', ADMIN);
    const again = await api(s.url, 'POST', '/api/admin/default/clients', adminToken, SEED_BODY);
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'conflict');
  });
});
