/**
 * OpenID Connect RP-Initiated Logout over HTTP: discovery, id_token_hint checks, registered
 * post_logout_redirect_uris only, the confirmation page, and the session really ending.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import type { ImportFileData } from '../../src/import/schema.js';
import { authorizeUrl, exchange, getCode } from '../helpers/flow.js';
import { CONFIDENTIAL_CLIENT, FIXTURE, PUBLIC_CLIENT, USER } from '../helpers/fixture.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const SIGNED_OUT = 'https://app.example.com/signed-out';
const SIGNED_OUT_QUERY = 'http://127.0.0.1/bye?from=pixie';
const BOB = { username: 'bob', password: 'another long password for bob' };
const EXTRA: ImportFileData = {
  tenants: [{
    id: 'default', users: [{ username: BOB.username, password: BOB.password }],
    servers: [{ id: 'default', clients: [
      { ...FIXTURE.tenants![0]!.servers![0]!.clients![0]!, post_logout_redirect_uris: [SIGNED_OUT, SIGNED_OUT_QUERY] },
    ] }],
  }],
};

const clock = new TestClock();
let s: TestServer;
let logoutUrl: string;
before(async () => {
  s = await startTestServer({ imports: [FIXTURE, EXTRA], clock });
  logoutUrl = `${s.issuer}/oauth2/logout`;
});
after(async () => { await s.close(); });

const SESSION_COOKIE = 'pixie_session_default';

/** Sign in through the code flow and return the browser and the ID token the RP got. */
async function signedIn(user = USER): Promise<{ ua: UserAgent; idToken: string }> {
  const ua = new UserAgent(s.url);
  const { verifier, challenge } = pkce();
  const back = await ua.authorize(authorizeUrl(s, {
    client_id: PUBLIC_CLIENT, scope: 'openid', state: 'x', code_challenge: challenge, code_challenge_method: 'S256',
  }), user);
  const res = await exchange(s, { code: back.searchParams.get('code')!, verifier, ua });
  const body = (await res.json()) as { id_token: string; access_token: string };
  assert.ok(body.id_token, 'an ID token was issued');
  return { ua, idToken: body.id_token };
}

/** Where /authorize sends this cookie: /login when there is no session, else on to consent or the client. */
async function authorizeGoesToLogin(cookie: string | undefined): Promise<boolean> {
  const { challenge } = pkce();
  const url = authorizeUrl(s, { client_id: PUBLIC_CLIENT, scope: 'openid', state: 'y', code_challenge: challenge, code_challenge_method: 'S256' });
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie: `${SESSION_COOKIE}=${cookie}` } : {} });
  return new URL(res.headers.get('location')!, s.url).pathname === '/login';
}

function logoutQuery(params: Record<string, string>): string {
  return `${logoutUrl}?${new URLSearchParams(params)}`;
}

async function assertErrorPage(res: Response, pattern: RegExp): Promise<void> {
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('location'), null, 'never a redirect');
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await res.text(), pattern);
}

describe('RP-initiated logout', () => {
  it('is advertised as end_session_endpoint in both discovery documents', async () => {
    for (const doc of ['openid-configuration', 'oauth-authorization-server']) {
      const meta = (await (await fetch(`${s.issuer}/.well-known/${doc}`)).json()) as Record<string, unknown>;
      assert.equal(meta.end_session_endpoint, `${s.issuer}/oauth2/logout`);
    }
  });

  it('signs out at once when id_token_hint names the signed-in user, and redirects with state', async () => {
    const { ua, idToken } = await signedIn();
    const cookie = ua.cookies.get(SESSION_COOKIE);
    assert.ok(cookie);
    assert.equal(await authorizeGoesToLogin(cookie), false, 'signed in before');
    const res = await ua.get(logoutQuery({ id_token_hint: idToken, post_logout_redirect_uri: SIGNED_OUT, state: 'st 1&2' }));
    assert.equal(res.status, 302);
    const to = new URL(res.headers.get('location')!);
    assert.equal(`${to.origin}${to.pathname}`, SIGNED_OUT);
    assert.equal(to.searchParams.get('state'), 'st 1&2');
    assert.equal(ua.cookies.has(SESSION_COOKIE), false, 'the session cookie is cleared');
    assert.equal(await authorizeGoesToLogin(cookie), true, 'the old session cookie no longer signs in');
  });

  it('accepts a form POST, keeps the registered query and answers 303', async () => {
    const { ua, idToken } = await signedIn();
    const cookie = ua.cookies.get(SESSION_COOKIE);
    const res = await ua.post(logoutUrl, { id_token_hint: idToken, post_logout_redirect_uri: SIGNED_OUT_QUERY, state: 'abc', ui_locales: 'fr', logout_hint: 'alice' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), `${SIGNED_OUT_QUERY}&state=abc`);
    assert.equal(await authorizeGoesToLogin(cookie), true);
  });

  it('shows "You are signed out" without a post_logout_redirect_uri', async () => {
    const { ua, idToken } = await signedIn();
    const cookie = ua.cookies.get(SESSION_COOKIE);
    const res = await ua.get(logoutQuery({ id_token_hint: idToken }));
    assert.equal(res.status, 200);
    assert.match(await res.text(), /You are signed out/);
    assert.equal(await authorizeGoesToLogin(cookie), true);
  });

  it('still accepts an expired ID token as the hint', async () => {
    // Sign in three hours ago: the ID token (one hour) has expired by Pixie's clock and by the
    // real one, the session (eight hours) has not.
    clock.advance(-3 * 3600);
    let signedInEarlier;
    try {
      signedInEarlier = await signedIn();
    } finally {
      clock.advance(3 * 3600);
    }
    const { ua, idToken } = signedInEarlier;
    const cookie = ua.cookies.get(SESSION_COOKIE);
    assert.ok(decodeJwt(idToken).exp! < Math.min(clock.now(), Date.now() / 1000), 'the hint has expired');
    assert.equal(await authorizeGoesToLogin(cookie), false, 'the session is still alive');
    const res = await ua.get(logoutQuery({ id_token_hint: idToken, post_logout_redirect_uri: SIGNED_OUT, state: 'late' }));
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${SIGNED_OUT}?state=late`);
    assert.equal(await authorizeGoesToLogin(cookie), true);
  });

  it('never redirects to an unregistered post_logout_redirect_uri, and keeps the session', async () => {
    const { ua, idToken } = await signedIn();
    const cookie = ua.cookies.get(SESSION_COOKIE);
    for (const uri of ['https://evil.example/signed-out', `${SIGNED_OUT}/`, `${SIGNED_OUT}?x=1`, 'http://127.0.0.1/callback']) {
      await assertErrorPage(await ua.get(logoutQuery({ id_token_hint: idToken, post_logout_redirect_uri: uri })), /post_logout_redirect_uri is not registered/);
    }
    // Registered for the public client only: the confidential client has none.
    await assertErrorPage(await ua.get(logoutQuery({ client_id: CONFIDENTIAL_CLIENT, post_logout_redirect_uri: SIGNED_OUT })), /not registered/);
    assert.equal(await authorizeGoesToLogin(cookie), false, 'still signed in');
  });

  it('shows an error page for a post_logout_redirect_uri without id_token_hint or client_id', async () => {
    await assertErrorPage(await fetch(logoutQuery({ post_logout_redirect_uri: SIGNED_OUT, state: 's' }), { redirect: 'manual' }), /needs id_token_hint or client_id/);
  });

  it('rejects a garbage, tampered or foreign-signed id_token_hint with a 400 page', async () => {
    const { ua, idToken } = await signedIn();
    const [h, p, sig] = idToken.split('.') as [string, string, string];
    const claims = decodeJwt(idToken);
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${sig}`;
    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT({ ...claims }).setProtectedHeader({ ...decodeProtectedHeader(idToken), alg: 'ES256' }).sign(privateKey);
    for (const hint of ['garbage', 'a.b.c', tampered, foreign, `${h}.${p}.`]) {
      await assertErrorPage(await ua.get(logoutQuery({ id_token_hint: hint, post_logout_redirect_uri: SIGNED_OUT })), /id_token_hint is not an ID token issued by this server/);
    }
  });

  it('refuses an access token as id_token_hint (it is not an ID token)', async () => {
    const { code, verifier, ua } = await getCode(s, 'openid');
    const { access_token } = (await (await exchange(s, { code, verifier, ua })).json()) as { access_token: string };
    assert.equal(access_token.split('.').length, 3, 'JWT access tokens are the default');
    await assertErrorPage(await ua.get(logoutQuery({ id_token_hint: access_token })), /not an ID token/);
  });

  it('rejects a client_id that does not match the audience of id_token_hint', async () => {
    const { ua, idToken } = await signedIn();
    await assertErrorPage(
      await ua.get(logoutQuery({ id_token_hint: idToken, client_id: CONFIDENTIAL_CLIENT, post_logout_redirect_uri: SIGNED_OUT })),
      /client_id does not match the audience of id_token_hint/,
    );
    await assertErrorPage(await ua.get(logoutQuery({ client_id: 'no-such-client' })), /client_id is not a client/);
    // The matching client_id is fine.
    const ok = await ua.get(logoutQuery({ id_token_hint: idToken, client_id: PUBLIC_CLIENT, post_logout_redirect_uri: SIGNED_OUT }));
    assert.equal(ok.status, 302);
  });

  it('rejects repeated parameters with a 400 page naming the parameter', async () => {
    const res = await fetch(`${logoutUrl}?state=a&state=b`, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /state/);
  });
});

describe('RP-initiated logout: confirmation', () => {
  it('asks first when the hint names another user; confirming signs out and redirects', async () => {
    const alice = await signedIn(USER);
    const { ua } = await signedIn(BOB);
    const cookie = ua.cookies.get(SESSION_COOKIE);
    const res = await ua.get(logoutQuery({ id_token_hint: alice.idToken, post_logout_redirect_uri: SIGNED_OUT, state: 'c1' }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const page = await res.text();
    assert.match(page, /Sign out of [^<]+\?/);
    assert.match(page, /Public Test App/, 'names the app');
    assert.match(page, /signed in as <strong>bob<\/strong>/);
    assert.match(page, /Stay signed in/);
    assert.equal(await authorizeGoesToLogin(cookie), false, 'nothing happened before confirming');

    const fields = UserAgent.fields(page);
    const done = await ua.post(`/default/default/oauth2/logout/confirm`, { ...fields, decision: 'logout' });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), `${SIGNED_OUT}?state=c1`);
    assert.equal(await authorizeGoesToLogin(cookie), true, 'bob is signed out');
    assert.equal(await authorizeGoesToLogin(alice.ua.cookies.get(SESSION_COOKIE)), false, "alice's own browser is untouched");
  });

  it('asks first without a hint (client_id names the app); "Stay signed in" keeps the session', async () => {
    const { ua } = await signedIn();
    const cookie = ua.cookies.get(SESSION_COOKIE);
    const res = await ua.get(logoutQuery({ client_id: PUBLIC_CLIENT, post_logout_redirect_uri: SIGNED_OUT, state: 'c2' }));
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.match(page, /Public Test App/);
    const fields = UserAgent.fields(page);

    const stay = await ua.post('/default/default/oauth2/logout/confirm', { ...fields, decision: 'stay' });
    assert.equal(stay.status, 200);
    assert.equal(stay.headers.get('location'), null);
    assert.match(await stay.text(), /still signed in/);
    assert.equal(await authorizeGoesToLogin(cookie), false);

    const done = await ua.post('/default/default/oauth2/logout/confirm', { ...fields, decision: 'logout' });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), `${SIGNED_OUT}?state=c2`);
    assert.equal(await authorizeGoesToLogin(cookie), true);
  });

  it('asks first when the browser has no session', async () => {
    const { idToken } = await signedIn();
    const ua = new UserAgent(s.url);
    const res = await ua.get(logoutQuery({ id_token_hint: idToken, post_logout_redirect_uri: SIGNED_OUT }));
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.match(page, /not signed in/);
    const done = await ua.post('/default/default/oauth2/logout/confirm', { ...UserAgent.fields(page), decision: 'logout' });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), SIGNED_OUT);
  });

  it('refuses a confirmation without the CSRF token, and re-checks the carried parameters', async () => {
    const { ua } = await signedIn();
    const cookie = ua.cookies.get(SESSION_COOKIE);
    const page = await (await ua.get(logoutQuery({ client_id: PUBLIC_CLIENT, post_logout_redirect_uri: SIGNED_OUT }))).text();
    const fields = UserAgent.fields(page);
    const noCsrf = await ua.post('/default/default/oauth2/logout/confirm', { ...fields, csrf: '', decision: 'logout' });
    assert.equal(noCsrf.status, 403);
    const swapped = await ua.post('/default/default/oauth2/logout/confirm', { ...fields, post_logout_redirect_uri: 'https://evil.example/', decision: 'logout' });
    await assertErrorPage(swapped, /not registered/);
    assert.equal(await authorizeGoesToLogin(cookie), false, 'still signed in');
  });
});

describe('post-logout redirect URIs in the developer portal', () => {
  it('are edited on the app page, validated like redirect URIs, and used by the logout endpoint', async () => {
    const ua = new UserAgent(s.url);
    const login = await ua.get('/login?return_to=/apps');
    await ua.post('/login', { ...UserAgent.fields(await login.text()), username: USER.username, password: USER.password });
    const csrf = UserAgent.fields(await (await ua.get('/apps/new')).text()).csrf!;
    const created = await ua.post('/apps', { csrf, name: 'Portal SPA', type: 'public', redirect_uris: 'https://spa.example.com/cb' });
    assert.equal(created.status, 303);
    const appPath = created.headers.get('location')!.split('?')[0]!;
    const clientId = appPath.split('/').pop()!;
    assert.match(await (await ua.get(appPath)).text(), /<textarea id="post_logout_redirect_uris" name="post_logout_redirect_uris"[^>]*><\/textarea>/);

    const settings = { csrf, name: 'Portal SPA', redirect_uris: 'https://spa.example.com/cb', grant_code_pkce: 'on' };
    const bad = await ua.post(appPath, { ...settings, post_logout_redirect_uris: 'https://spa.example.com/bye\nhttp://evil.example/bye' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /Post-logout redirect URI &quot;http:\/\/evil.example\/bye&quot; must use https/);
    const withFragment = await ua.post(appPath, { ...settings, post_logout_redirect_uris: 'https://spa.example.com/bye#x' });
    assert.match(await withFragment.text(), /must not contain a fragment/);

    const saved = await ua.post(appPath, { ...settings, post_logout_redirect_uris: ' https://spa.example.com/bye \r\n\r\nhttp://127.0.0.1/bye' });
    assert.equal(saved.status, 303);
    assert.match(await (await ua.get(appPath)).text(), /name="post_logout_redirect_uris"[^>]*>https:\/\/spa.example.com\/bye\nhttp:\/\/127.0.0.1\/bye<\/textarea>/);

    const page = await ua.get(logoutQuery({ client_id: clientId, post_logout_redirect_uri: 'https://spa.example.com/bye', state: 'p' }));
    const body = await page.text();
    assert.equal(page.status, 200);
    assert.match(body, /Portal SPA/);
    const done = await ua.post('/default/default/oauth2/logout/confirm', { ...UserAgent.fields(body), decision: 'logout' });
    assert.equal(done.headers.get('location'), 'https://spa.example.com/bye?state=p');
    assert.equal((await ua.get('/apps')).status, 303, 'the portal asks to sign in again');
  });
});
