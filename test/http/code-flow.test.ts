import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

let s: TestServer;
before(async () => { s = await startTestServer(); });
after(async () => { await s.close(); });

function authorizeUrl(params: Record<string, string>): string {
  return `${s.issuer}/oauth2/authorize?${new URLSearchParams({ response_type: 'code', redirect_uri: REDIRECT_URI, ...params })}`;
}

async function token(form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${s.issuer}/oauth2/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form),
  });
}

describe('authorization code flow with PKCE', () => {
  it('logs in, consents, and redirects with code, state and iss', async () => {
    const ua = new UserAgent(s.url);
    const { challenge, verifier } = pkce();
    const back = await ua.authorize(authorizeUrl({
      client_id: PUBLIC_CLIENT, scope: 'openid profile', state: 'xyz', code_challenge: challenge, code_challenge_method: 'S256',
    }), USER);
    assert.equal(back.origin + back.pathname, REDIRECT_URI);
    assert.equal(back.searchParams.get('state'), 'xyz');
    assert.equal(back.searchParams.get('iss'), s.issuer);
    const code = back.searchParams.get('code')!;
    assert.match(code, /^pxc_/);
    const res = await token({ grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = await res.json();
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3600);
    assert.equal(body.scope, 'openid profile');
    assert.ok(body.id_token);
    assert.match(body.refresh_token, /^pxrt_/);
  });

  it('remembers consent: a second authorization skips the consent page', async () => {
    const ua = new UserAgent(s.url);
    const first = pkce();
    await ua.authorize(authorizeUrl({ client_id: CONFIDENTIAL_CLIENT, scope: 'read_inbox', code_challenge: first.challenge, code_challenge_method: 'S256' }), USER);
    const res = await ua.get(authorizeUrl({ client_id: CONFIDENTIAL_CLIENT, scope: 'read_inbox' }));
    assert.equal(res.status, 302);
    const loc = new URL(res.headers.get('location')!);
    assert.equal(loc.origin + loc.pathname, REDIRECT_URI);
    assert.ok(loc.searchParams.get('code'));
    const ok = await token({ grant_type: 'authorization_code', code: loc.searchParams.get('code')!, redirect_uri: REDIRECT_URI }, {
      authorization: `Basic ${Buffer.from(`${CONFIDENTIAL_CLIENT}:${CONFIDENTIAL_SECRET}`).toString('base64')}`,
    });
    assert.equal(ok.status, 200);
  });
});
