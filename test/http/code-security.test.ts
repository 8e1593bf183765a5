/** SPEC §4.1–§4.2 security cases for the code flow. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONFIDENTIAL_CLIENT, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { authorizeUrl, basic, exchange, getCode, introspect, tokenRequest } from '../helpers/flow.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

let s: TestServer;
const clock = new TestClock();
before(async () => { s = await startTestServer({ clock }); });
after(async () => { await s.close(); });

describe('authorization code exchange', () => {
  it('rejects a second use of a code with invalid_grant and revokes the access and refresh tokens of the first', async () => {
    const c = await getCode(s);
    const first = await (await exchange(s, c)).json();
    assert.ok(first.access_token && first.refresh_token);
    assert.equal((await introspect(s, first.access_token)).active, true);
    const replay = await exchange(s, c);
    assert.equal(replay.status, 400);
    assert.equal((await replay.json()).error, 'invalid_grant');
    assert.equal((await introspect(s, first.access_token)).active, false);
    assert.equal((await introspect(s, first.refresh_token)).active, false);
    const refresh = await tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: first.refresh_token });
    assert.equal((await refresh.json()).error, 'invalid_grant');
  });

  it('rejects a wrong code_verifier with invalid_grant', async () => {
    const c = await getCode(s);
    const res = await exchange(s, { ...c, verifier: pkce().verifier });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error, 'invalid_grant');
    assert.match(body.error_description, /does not match/);
  });

  it('rejects a missing code_verifier with invalid_grant', async () => {
    const c = await getCode(s);
    const res = await tokenRequest(s, { grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code: c.code, redirect_uri: REDIRECT_URI });
    assert.equal((await res.json()).error, 'invalid_grant');
  });

  it('rejects a code_verifier for a code issued without a challenge (PKCE downgrade)', async () => {
    const ua = new UserAgent(s.url);
    const back = await ua.authorize(authorizeUrl(s, { client_id: CONFIDENTIAL_CLIENT, scope: 'read_inbox' }), USER);
    const res = await tokenRequest(s, {
      grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: pkce().verifier,
    }, { authorization: basic() });
    const body = await res.json();
    assert.equal(body.error, 'invalid_grant');
    assert.match(body.error_description, /no code_challenge/);
  });

  it('binds the code to its redirect_uri and its client', async () => {
    const c = await getCode(s);
    const wrongUri = await tokenRequest(s, {
      grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code: c.code, redirect_uri: 'http://127.0.0.1:9/callback', code_verifier: c.verifier,
    });
    assert.equal((await wrongUri.json()).error, 'invalid_grant');
    const c2 = await getCode(s);
    const otherClient = await tokenRequest(s, {
      grant_type: 'authorization_code', code: c2.code, redirect_uri: REDIRECT_URI, code_verifier: c2.verifier,
    }, { authorization: basic() });
    const body = await otherClient.json();
    assert.equal(body.error, 'invalid_grant');
    assert.match(body.error_description, /another client/);
  });

  it('expires codes after 60 seconds', async () => {
    const c = await getCode(s);
    clock.advance(61);
    try {
      const res = await exchange(s, c);
      const body = await res.json();
      assert.equal(body.error, 'invalid_grant');
      assert.match(body.error_description, /expired/);
    } finally {
      clock.advance(-61);
    }
  });

  it('gives exactly one success for 50 parallel redemptions of one code', async () => {
    const c = await getCode(s);
    const results = await Promise.all(Array.from({ length: 50 }, () => exchange(s, c)));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((x) => x === 200).length, 1);
    assert.equal(statuses.filter((x) => x === 400).length, 49);
  });

  it('refuses bad client credentials with 401 and WWW-Authenticate', async () => {
    const res = await tokenRequest(s, { grant_type: 'client_credentials' }, { authorization: basic(CONFIDENTIAL_CLIENT, 'wrong-secret') });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic/);
    assert.equal((await res.json()).error, 'invalid_client');
    const unknown = await tokenRequest(s, { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' });
    assert.equal(unknown.status, 401);
    assert.equal((await unknown.json()).error, 'invalid_client');
  });

  it('refuses a public client on client_credentials and an unknown grant type', async () => {
    const pub = await tokenRequest(s, { grant_type: 'client_credentials', client_id: PUBLIC_CLIENT });
    assert.equal((await pub.json()).error, 'unauthorized_client');
    const unknown = await tokenRequest(s, { grant_type: 'password', client_id: PUBLIC_CLIENT });
    assert.equal((await unknown.json()).error, 'unsupported_grant_type');
  });

  it('answers malformed requests with 400 invalid_request naming the problem, never 500', async () => {
    const json = await fetch(`${s.issuer}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"}' });
    assert.equal(json.status, 400);
    assert.match((await json.json()).error_description, /x-www-form-urlencoded/);
    const dup = await fetch(`${s.issuer}/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=a&code=b',
    });
    assert.equal(dup.status, 400);
    const dupBody = await dup.json();
    assert.equal(dupBody.error, 'invalid_request');
    assert.match(dupBody.error_description, /"code"/);
    const missing = await tokenRequest(s, { client_id: PUBLIC_CLIENT });
    assert.match((await missing.json()).error_description, /grant_type/);
    const huge = await tokenRequest(s, { grant_type: 'client_credentials', junk: 'x'.repeat(100_000) });
    assert.equal(huge.status, 413);
    assert.equal((await huge.json()).error, 'invalid_request');
  });
});

describe('refresh tokens', () => {
  it('rotate on every use; reuse of a rotated token revokes the whole family', async () => {
    const first = await (await exchange(s, await getCode(s))).json();
    const second = await (await tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: first.refresh_token })).json();
    assert.ok(second.refresh_token);
    assert.notEqual(second.refresh_token, first.refresh_token);
    const reuse = await tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: first.refresh_token });
    assert.equal((await reuse.json()).error, 'invalid_grant');
    assert.equal((await introspect(s, second.refresh_token)).active, false);
    assert.equal((await introspect(s, second.access_token)).active, false);
  });

  it('may narrow the scope but never widen it', async () => {
    const first = await (await exchange(s, await getCode(s, 'openid offline_access read_inbox'))).json();
    const narrow = await (await tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: first.refresh_token, scope: 'read_inbox' })).json();
    assert.equal(narrow.scope, 'read_inbox');
    const wide = await tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: narrow.refresh_token, scope: 'read_inbox email' });
    assert.equal((await wide.json()).error, 'invalid_scope');
  });
});

describe('authorization endpoint', () => {
  async function authorize(params: Record<string, string>): Promise<Response> {
    return fetch(`${s.issuer}/oauth2/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
  }

  it('shows an error page, never a redirect, for an unknown client or an unregistered redirect_uri', async () => {
    for (const params of [
      { response_type: 'code', client_id: 'nobody', redirect_uri: REDIRECT_URI },
      { response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: 'https://evil.example.net/cb' },
      { response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: 'http://127.0.0.1/callback/../evil' },
      { response_type: 'code', client_id: CONFIDENTIAL_CLIENT, redirect_uri: 'https://example.org.evil.net/cb' },
      { response_type: 'code', client_id: CONFIDENTIAL_CLIENT, redirect_uri: 'https://user@example.org/cb' },
    ]) {
      const res = await authorize(params);
      assert.equal(res.status, 400, JSON.stringify(params));
      assert.equal(res.headers.get('location'), null);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    }
  });

  it('sends other errors to the redirect URI with error, state and iss', async () => {
    const res = await authorize({ response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, state: 'abc', scope: 'openid' });
    assert.equal(res.status, 302);
    const loc = new URL(res.headers.get('location')!);
    assert.equal(loc.origin + loc.pathname, REDIRECT_URI);
    assert.equal(loc.searchParams.get('error'), 'invalid_request');
    assert.match(loc.searchParams.get('error_description')!, /code_challenge is required/);
    assert.equal(loc.searchParams.get('state'), 'abc');
    assert.equal(loc.searchParams.get('iss'), s.issuer);
  });

  it('refuses plain PKCE unless the server allows it', async () => {
    const { verifier } = pkce();
    const res = await authorize({
      response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, code_challenge: verifier, code_challenge_method: 'plain', state: 'p',
    });
    const loc = new URL(res.headers.get('location')!);
    assert.equal(loc.searchParams.get('error'), 'invalid_request');
    assert.match(loc.searchParams.get('error_description')!, /S256/);
  });

  it('refuses scopes outside the client list with invalid_scope', async () => {
    const res = await authorize({
      response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'write_access', code_challenge: pkce().challenge, code_challenge_method: 'S256',
    });
    assert.equal(new URL(res.headers.get('location')!).searchParams.get('error'), 'invalid_scope');
  });

  it('answers prompt=none without a session with login_required', async () => {
    const res = await authorize({
      response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, prompt: 'none', state: 'n', code_challenge: pkce().challenge, code_challenge_method: 'S256',
    });
    const loc = new URL(res.headers.get('location')!);
    assert.equal(loc.searchParams.get('error'), 'login_required');
    assert.equal(loc.searchParams.get('state'), 'n');
  });

  it('shows the login page again with prompt=login even with a session', async () => {
    const { ua: agent } = await getCode(s);
    const res = await agent.get(authorizeUrl(s, { client_id: PUBLIC_CLIENT, prompt: 'login', code_challenge: pkce().challenge, code_challenge_method: 'S256' }));
    assert.match(res.headers.get('location')!, /^\/login\?interaction=/);
  });

  it('shows the consent page again with prompt=consent', async () => {
    const { ua: agent } = await getCode(s);
    const res = await agent.get(authorizeUrl(s, { client_id: PUBLIC_CLIENT, scope: 'openid offline_access', prompt: 'consent', code_challenge: pkce().challenge, code_challenge_method: 'S256' }));
    assert.match(res.headers.get('location')!, /^\/consent\?interaction=/);
  });

  it('rejects a duplicated parameter', async () => {
    const res = await fetch(`${s.issuer}/oauth2/authorize?response_type=code&client_id=${PUBLIC_CLIENT}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&state=a&state=b`, { redirect: 'manual' });
    const loc = new URL(res.headers.get('location')!);
    assert.equal(loc.searchParams.get('error'), 'invalid_request');
    const dupClient = await fetch(`${s.issuer}/oauth2/authorize?client_id=a&client_id=b`, { redirect: 'manual' });
    assert.equal(dupClient.status, 400);
    assert.equal(dupClient.headers.get('location'), null);
  });

  it('protects the login form against CSRF', async () => {
    const res = await fetch(`${s.url}/login`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: USER.username, password: USER.password, csrf: 'forged' }),
    });
    assert.equal(res.status, 403);
    assert.ok(!(res.headers.get('set-cookie') ?? '').includes('pixie_session'));
  });
});
