/** A refused refresh request leaves the refresh token usable (nothing is consumed before every check passed). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PUBLIC_CLIENT } from '../helpers/fixture.js';
import { basic, exchange, getCode, tokenRequest } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => { s = await startTestServer(); });
after(async () => { await s.close(); });

async function refreshToken(): Promise<string> {
  const tokens = await (await exchange(s, await getCode(s, 'openid offline_access'))).json();
  assert.ok(tokens.refresh_token);
  return tokens.refresh_token as string;
}

async function refreshWorks(token: string): Promise<void> {
  const res = await tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: token });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.ok(body.access_token && body.refresh_token);
}

describe('refused refresh requests', () => {
  it('invalid_scope for a wider scope, and the token still refreshes afterwards', async () => {
    const token = await refreshToken();
    const wider = await tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: token, scope: 'openid read_inbox' });
    assert.equal(wider.status, 400);
    assert.equal((await wider.json()).error, 'invalid_scope');
    await refreshWorks(token);
  });

  it('invalid_grant when another client presents it, and the token still refreshes for its own client', async () => {
    const token = await refreshToken();
    const other = await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: token }, { authorization: basic() });
    const body = await other.json();
    assert.equal(other.status, 400);
    assert.equal(body.error, 'invalid_grant');
    assert.match(body.error_description, /another client/);
    await refreshWorks(token);
  });

  it('still detects reuse: a rotated token presented again revokes its family', async () => {
    const token = await refreshToken();
    const first = await (await tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: token })).json();
    const again = await tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: token });
    assert.match((await again.json()).error_description, /already used/);
    const next = await tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: first.refresh_token });
    assert.equal((await next.json()).error, 'invalid_grant');
  });
});
