/**
 * A single-page app on its own loopback origin, written with oidc-client-ts (UserManager) and run
 * in headless Chromium: discovery, sign-in by redirect through Pixie's login and consent pages,
 * the callback with userinfo, a silent refresh with the refresh token, revocation, and
 * RP-initiated logout back to the app with its state. The token, userinfo and revocation calls
 * are cross-origin fetches, so the browser itself checks Pixie's CORS answers; a page on a third,
 * unregistered origin is refused them while discovery and JWKS stay readable from anywhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, NO_CHROMIUM } from '../helpers/browser.js';
import { FIXTURE, USER } from '../helpers/fixture.js';
import { introspect, tokenRequest } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { BLANK_PAGE, bundleSpa, serveOrigin, spaPage, type WebOrigin } from '../helpers/spa.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const skip = NO_CHROMIUM ? `browser tests SKIPPED: ${NO_CHROMIUM}` : false;
const SPA_CLIENT = 'spa';
const SCOPE = 'openid profile offline_access';

let s: TestServer;
let browser: Browser;
/** The app's origin: its redirect URI and post-logout URI live here. */
let spa: WebOrigin;
/** An origin registered in the client's `allowed_origins` only (http://localhost:port). */
let listed: WebOrigin;
/** An origin Pixie knows nothing about (http://localhost:another-port). */
let stranger: WebOrigin;
let discovery: Record<string, string>;

before(async () => {
  if (skip) return;
  let settings = { authority: '', client_id: SPA_CLIENT };
  spa = await serveOrigin(() => spaPage(settings), { script: await bundleSpa() });
  // Not on 127.0.0.1: a loopback redirect URI matches any port (RFC 8252 §7.3), and so does its
  // origin for CORS, so another 127.0.0.1 port would count as the app's. allowed_origins entries
  // are exact, so the two localhost origins below differ by their port alone.
  listed = await serveOrigin(() => BLANK_PAGE, { hostname: 'localhost' });
  stranger = await serveOrigin(() => BLANK_PAGE, { hostname: 'localhost' });
  // Chromium starts while Pixie does (both take seconds on a busy machine); `after` closes it either way.
  const launching = launchChromium().then((b) => { browser = b; });
  s = await startTestServer({
    imports: [FIXTURE, {
      tenants: [{
        id: 'default',
        servers: [{
          id: 'default',
          clients: [{
            client_id: SPA_CLIENT, client_name: 'Browser App', public: true, token_endpoint_auth_method: 'none',
            grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [`${spa.origin}/callback`],
            post_logout_redirect_uris: [`${spa.origin}/logged-out`], allowed_origins: [listed.origin],
            scopes: ['openid', 'profile', 'offline_access'],
          }],
        }],
      }],
    }],
  });
  await launching;
  settings = { authority: s.issuer, client_id: SPA_CLIENT };
  discovery = (await (await fetch(`${s.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
});

after(async () => {
  await browser?.close();
  await Promise.all([spa?.close(), listed?.close(), stranger?.close()]);
  await s?.close();
});

interface LogEntry { step: string; ok: boolean; data?: any; error?: string }

/** Wait until the app has recorded `step`, and return that record (it must have succeeded). */
async function logged(page: Page, step: string): Promise<any> {
  await page.waitForFunction(`(window.__log ?? []).some((e) => e.step === ${JSON.stringify(step)})`, undefined, { timeout: 10_000 });
  const entry = (await page.evaluate(`window.__log.filter((e) => e.step === ${JSON.stringify(step)}).at(-1)`)) as LogEntry;
  assert.ok(entry.ok, `${step} failed in the app: ${entry.error}`);
  return entry.data;
}

/** Run one of the app's steps (window.spa[name]) and return what it recorded. */
async function run(page: Page, name: string, step = name): Promise<any> {
  await page.evaluate(`window.spa.${name}()`);
  return logged(page, step);
}

/**
 * Start a step of the app that leaves the page (signinRedirect, signoutRedirect) and wait until
 * the browser is at a URL `arrived` accepts; fails at once if the app recorded an error instead.
 */
async function navigate(page: Page, name: string, arrived: (url: URL) => boolean): Promise<void> {
  // Without a timeout: the page navigating away or the context closing ends this wait.
  const failed = page.waitForFunction(`(window.__log ?? []).some((e) => e.step === ${JSON.stringify(name)} && !e.ok)`, undefined, { timeout: 0 })
    .then(async () => { throw new Error(`${name} failed in the app: ${JSON.stringify(await page.evaluate('window.__log.at(-1)'))}`); }, () => {});
  page.evaluate(`void window.spa.${name}()`).catch(() => {}); // may race the navigation it starts
  await Promise.race([page.waitForURL(arrived), failed.then(() => new Promise(() => {}))]);
}

function isSpa(url: URL, path: string): boolean {
  return url.origin === spa.origin && url.pathname === path;
}

describe('oidc-client-ts single-page app in headless Chromium', { skip }, () => {
  it('signs in by redirect, reads userinfo, refreshes silently, revokes and signs out back to the app', async () => {
    const context = await browser.newContext();
    const requests: string[] = [];
    context.on('request', (r) => { if (r.url().startsWith(s.issuer)) requests.push(`${r.method()} ${r.url().split('?')[0]}`); });
    context.setDefaultTimeout(10_000);
    try {
      const page = await context.newPage();
      await page.goto(`${spa.origin}/`);

      const meta = await run(page, 'discovery');
      assert.equal(meta.issuer, s.issuer);
      assert.equal(meta.end_session_endpoint, `${s.issuer}/oauth2/logout`);
      assert.ok(meta.revocation_endpoint && meta.userinfo_endpoint, 'revocation and userinfo endpoints are advertised');

      // signinRedirect → Pixie's login page → consent → back to /callback.
      await navigate(page, 'login', (u) => u.pathname === '/login');
      assert.equal(new URL(page.url()).origin, new URL(s.url).origin);
      await page.fill('#username', USER.username);
      await page.fill('#password', USER.password);
      await Promise.all([page.waitForURL((u) => u.pathname === '/consent'), page.click('button[type=submit]')]);
      await Promise.all([page.waitForURL((u) => isSpa(u, '/callback')), page.click('button[value=allow]')]);

      const signedIn = await logged(page, 'callback');
      assert.equal(signedIn.profile.preferred_username, USER.username);
      assert.equal(signedIn.profile.name, 'Alice Example');
      assert.equal(signedIn.profile.iss, s.issuer);
      assert.equal(signedIn.profile.aud, SPA_CLIENT);
      assert.deepEqual(signedIn.state, { returnTo: '/inbox' }, 'the app state comes back through the redirect');
      assert.equal(signedIn.scope, SCOPE);
      assert.ok(signedIn.refresh_token, 'offline_access gives the app a refresh token');
      // ID tokens are RS256 unless the client registered another alg; access tokens stay ES256.
      assert.equal(decodeProtectedHeader(signedIn.id_token).alg, 'RS256');
      assert.equal(decodeProtectedHeader(signedIn.access_token).alg, 'ES256');
      const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri!));
      await jwtVerify(signedIn.id_token, jwks, { issuer: s.issuer, audience: SPA_CLIENT, algorithms: ['RS256'] });
      // The code exchange and loadUserInfo were cross-origin calls from the app's page.
      assert.ok(requests.includes(`POST ${discovery.token_endpoint}`), requests.join('\n'));
      assert.ok(requests.includes(`GET ${discovery.userinfo_endpoint}`), requests.join('\n'));

      const info = await run(page, 'userinfo');
      assert.equal(info.status, 200);
      assert.equal(info.body.sub, signedIn.profile.sub);
      assert.equal(info.body.preferred_username, USER.username);

      // signinSilent uses the refresh token when the user has one (no iframe is configured).
      const refreshed = await run(page, 'refresh');
      assert.equal(refreshed.profile.sub, signedIn.profile.sub);
      assert.ok(refreshed.access_token && refreshed.access_token !== signedIn.access_token, 'a new access token');
      assert.ok(refreshed.refresh_token && refreshed.refresh_token !== signedIn.refresh_token, 'a rotated refresh token');
      assert.equal(refreshed.expired, false);
      assert.equal((await introspect(s, signedIn.refresh_token)).active, false, 'the first refresh token is spent');

      const revoked = await run(page, 'revoke');
      assert.equal(revoked.access_token, refreshed.access_token);
      assert.equal(revoked.refresh_token, refreshed.refresh_token);
      assert.equal(revoked.refresh_token_after, null, 'the app dropped its refresh token');
      assert.equal(requests.filter((r) => r === `POST ${discovery.revocation_endpoint}`).length, 2, 'access and refresh token revoked');
      assert.equal((await introspect(s, refreshed.access_token)).active, false, 'the access token is revoked');
      assert.equal((await introspect(s, refreshed.refresh_token)).active, false, 'the refresh token is revoked');

      // signoutRedirect → Pixie's end_session_endpoint → back to the post-logout redirect URI.
      await navigate(page, 'logout', (u) => isSpa(u, '/logged-out') || u.origin === new URL(s.url).origin);
      if (!isSpa(new URL(page.url()), '/logged-out')) {
        // A confirmation page: the user confirms signing out.
        await Promise.all([page.waitForURL((u) => isSpa(u, '/logged-out')), page.click('form[method=post] button[type=submit] >> nth=0')]);
      }
      const back = new URL(page.url());
      assert.ok(back.searchParams.get('state'), 'the state comes back');
      const signedOut = await logged(page, 'signout-callback');
      assert.equal(signedOut.state, back.searchParams.get('state'));
      assert.deepEqual(signedOut.userState, { bye: 'see you' }, 'oidc-client-ts matched the state to its request');
      assert.equal(signedOut.user, null);
      assert.ok(requests.includes(`GET ${discovery.end_session_endpoint}`), requests.join('\n'));

      // The Pixie session is over: signing in again asks for the password (with the session,
      // the remembered consent would send the browser straight back to /callback).
      await navigate(page, 'login', (u) => u.pathname === '/login' || isSpa(u, '/callback'));
      assert.equal(new URL(page.url()).pathname, '/login');
    } finally {
      await context.close();
    }
  });
});

/** Runs in the page: each cross-origin call's status, or the name of the error fetch threw. */
const PROBE = `async (urls) => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const attempt = (url, init) => fetch(url, init).then((r) => r.status, (err) => err.name);
  return {
    discovery: await attempt(urls.discovery),
    jwks: await attempt(urls.jwks),
    token: await attempt(urls.token, { method: 'POST', headers: form, body: 'grant_type=refresh_token&client_id=spa&refresh_token=pxrt_not-a-real-token' }),
    revoke: await attempt(urls.revoke, { method: 'POST', headers: form, body: 'client_id=spa&token=pxrt_not-a-real-token' }),
    userinfo: await attempt(urls.userinfo, { headers: { authorization: 'Bearer ' + urls.accessToken } }),
    issuer: await fetch(urls.discovery).then((r) => r.json()).then((d) => d.issuer, () => 'unreadable'),
  };
}`;

/** What a page on `origin` gets from cross-origin fetches to Pixie: a status, or the error name. */
async function crossOrigin(origin: string, accessToken: string): Promise<Record<string, string | number>> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    const urls = {
      discovery: `${s.issuer}/.well-known/openid-configuration`, jwks: discovery.jwks_uri, token: discovery.token_endpoint,
      revoke: discovery.revocation_endpoint, userinfo: discovery.userinfo_endpoint, accessToken,
    };
    // A string, not a function: tsx would add helpers to a function's source that the page lacks.
    return (await page.evaluate(`(${PROBE})(${JSON.stringify(urls)})`)) as Record<string, string | number>;
  } finally {
    await context.close();
  }
}

/** An access token of the SPA's client, got over HTTP (no browser, no CORS). */
async function spaAccessToken(): Promise<string> {
  const { verifier, challenge } = pkce();
  const redirectUri = `${spa.origin}/callback`;
  const back = await new UserAgent(s.url).authorize(`${discovery.authorization_endpoint}?${new URLSearchParams({
    response_type: 'code', client_id: SPA_CLIENT, redirect_uri: redirectUri, scope: 'openid profile', state: 'cors',
    code_challenge: challenge, code_challenge_method: 'S256',
  })}`, USER);
  const res = await tokenRequest(s, {
    grant_type: 'authorization_code', client_id: SPA_CLIENT, code: back.searchParams.get('code')!, redirect_uri: redirectUri, code_verifier: verifier,
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('CORS as the browser enforces it', { skip }, () => {
  let accessToken: string;
  before(async () => { if (!skip) accessToken = await spaAccessToken(); });

  it('a page on an unregistered origin reads discovery and JWKS but is refused the token, revocation and userinfo endpoints', async () => {
    const got = await crossOrigin(stranger.origin, accessToken);
    assert.deepEqual(got, {
      discovery: 200, jwks: 200, issuer: s.issuer,
      token: 'TypeError', revoke: 'TypeError', userinfo: 'TypeError',
    });
  });

  it('an origin in allowed_origins reads the token, revocation and userinfo answers', async () => {
    const got = await crossOrigin(listed.origin, accessToken);
    assert.equal(got.discovery, 200);
    assert.equal(got.userinfo, 200, "userinfo with the client's access token");
    assert.equal(got.token, 400, 'an unknown refresh token: invalid_grant, readable by the app');
    assert.equal(got.revoke, 200, 'an unknown token is not an error (RFC 7009 §2.2)');
  });
});
