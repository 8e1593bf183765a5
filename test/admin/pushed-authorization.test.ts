/**
 * Requiring pushed authorization requests (RFC 9126 §5, §6) through the admin API (per server
 * and per client) and RFC 7591 registration (require_pushed_authorization_requests).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PUBLIC_CLIENT, REDIRECT_URI } from '../helpers/fixture.js';
import { authorizeUrl } from '../helpers/flow.js';
import type { TestServer } from '../helpers/server.js';
import { pkce } from '../helpers/user-agent.js';
import { ADMIN, api, clientToken, startAdminServer } from './helpers.js';

let s: TestServer;
let token: string;
before(async () => {
  s = await startAdminServer();
  token = await clientToken(s.url, 'default', ADMIN);
});
after(() => s.close());

/** A plain (not pushed) authorization request: where /authorize sends the browser. */
async function plainAuthorize(clientId: string): Promise<URL> {
  const { challenge } = pkce();
  const res = await fetch(authorizeUrl(s, { client_id: clientId, scope: 'openid', state: 'st', code_challenge: challenge, code_challenge_method: 'S256' }), { redirect: 'manual' });
  return new URL(res.headers.get('location')!, s.url);
}

const required = (u: URL) => u.searchParams.get('error_description') === 'pushed authorization request required';

describe('requiring pushed authorization requests', () => {
  it('per client, through the admin API: shown, changed, enforced', async () => {
    const path = `/api/admin/default/servers/default/clients/${PUBLIC_CLIENT}`;
    assert.equal((await api(s.url, 'GET', path, token)).body.require_pushed_authorization_requests, false);
    assert.equal(required(await plainAuthorize(PUBLIC_CLIENT)), false);
    const on = await api(s.url, 'PATCH', path, token, { require_pushed_authorization_requests: true });
    assert.equal(on.status, 200, JSON.stringify(on.body));
    assert.equal(on.body.require_pushed_authorization_requests, true);
    assert.equal(required(await plainAuthorize(PUBLIC_CLIENT)), true);
    const off = await api(s.url, 'PATCH', path, token, { require_pushed_authorization_requests: false });
    assert.equal(off.body.require_pushed_authorization_requests, false);
    assert.equal(required(await plainAuthorize(PUBLIC_CLIENT)), false);
    const bad = await api(s.url, 'PATCH', path, token, { require_pushed_authorization_requests: 'yes' });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /require_pushed_authorization_requests/);
  });

  it('per server, through the admin API: in the settings, the metadata and enforced for every client', async () => {
    const on = await api(s.url, 'PATCH', '/api/admin/default/servers/default', token, { requirePushedAuthorizationRequests: true });
    assert.equal(on.status, 200, JSON.stringify(on.body));
    assert.equal(on.body.settings.requirePushedAuthorizationRequests, true);
    try {
      // The server cache lives a few seconds; the PATCH clears this process's entry.
      const meta = (await (await fetch(`${s.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      assert.equal(meta.require_pushed_authorization_requests, true);
      assert.equal(required(await plainAuthorize(PUBLIC_CLIENT)), true);
    } finally {
      await api(s.url, 'PATCH', '/api/admin/default/servers/default', token, { requirePushedAuthorizationRequests: false });
    }
    assert.equal(required(await plainAuthorize(PUBLIC_CLIENT)), false);
  });

  it('per client, through RFC 7591 registration', async () => {
    const patch = await api(s.url, 'PATCH', '/api/admin/default/servers/default', token, { registration: 'open' });
    assert.equal(patch.status, 200, JSON.stringify(patch.body));
    const register = (body: Record<string, unknown>) => fetch(`${s.issuer}/oauth2/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', scope: 'openid', ...body }),
    });
    const res = await register({ require_pushed_authorization_requests: true });
    assert.equal(res.status, 201);
    const registered = (await res.json()) as { client_id: string; require_pushed_authorization_requests: boolean };
    assert.equal(registered.require_pushed_authorization_requests, true);
    assert.equal(required(await plainAuthorize(registered.client_id)), true);
    const plain = (await (await register({})).json()) as { client_id: string; require_pushed_authorization_requests: boolean };
    assert.equal(plain.require_pushed_authorization_requests, false);
    const bad = await register({ require_pushed_authorization_requests: 'yes' });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { error: 'invalid_client_metadata', error_description: 'require_pushed_authorization_requests must be true or false' });
  });
});
