/**
 * The login and consent pages in a real browser (headless Debian Chromium through playwright-core):
 * framing protection, a wrong password, consent naming the app, its domain and each scope,
 * Authorize and Deny, and remembered consent. Also takes the screenshots the README shows
 * (into docs/images/ with `npm run screenshots`, else into a temp folder).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, type Page, type Response as PageResponse } from 'playwright-core';
import { FIXTURE, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pkce } from '../helpers/user-agent.js';
import { launchChromium, NO_CHROMIUM, screenshotDir } from '../helpers/browser.js';

let IMAGES = '';
const skip = NO_CHROMIUM ? `browser tests SKIPPED: ${NO_CHROMIUM}` : false;

/** An app with a readable name and an OAuth domain, so the consent page (and its screenshot) says something real. */
const APP = { clientId: 'inbox-reader', name: 'Inbox Reader', domain: 'inbox-reader.example' };

let s: TestServer;
let browser: Browser;
/**
 * The app's side of the redirect: a listener on a random loopback port, which matches the registered
 * http://127.0.0.1/callback (RFC 8252 §7.3), as a native app's would. (Playwright's page.route cannot
 * stand in for it: routes do not see the request a redirect leads to.)
 */
let listener: Server;
let callbackUri: string;

before(async () => {
  if (skip) return;
  s = await startTestServer({
    imports: [FIXTURE, {
      tenants: [{
        id: 'default',
        servers: [{
          id: 'default',
          clients: [{
            client_id: APP.clientId, client_name: APP.name, public: true, oauth_domain: APP.domain,
            grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [REDIRECT_URI],
            scopes: ['openid', 'profile', 'email', 'offline_access', 'read_inbox'],
          }],
        }],
      }],
    }],
  });
  listener = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('callback reached'));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  callbackUri = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/callback`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  listener?.close();
  await s?.close();
});

async function newContext(): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 900, height: 640 } });
}

function authorizeUrl(clientId: string, scope: string, state: string, challenge: string): string {
  return `${s.issuer}/oauth2/authorize?${new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: callbackUri, scope, state,
    code_challenge: challenge, code_challenge_method: 'S256',
  })}`;
}

function assertNotFramable(res: PageResponse | null, page: string): void {
  assert.ok(res, `${page}: no response`);
  const headers = res.headers();
  assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/, `${page}: CSP forbids framing`);
  assert.equal(headers['x-frame-options'], 'DENY', `${page}: X-Frame-Options`);
}

async function signIn(page: Page, password: string): Promise<PageResponse | null> {
  await page.fill('#username', USER.username);
  await page.fill('#password', password);
  const [res] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  return res;
}

/** The code, state and iss the browser landed on the redirect URI with. */
function callbackParams(page: Page): URLSearchParams {
  const url = new URL(page.url());
  assert.equal(url.origin + url.pathname, callbackUri);
  return url.searchParams;
}

async function exchange(clientId: string, code: string, verifier: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${s.issuer}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: callbackUri, code_verifier: verifier }),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, unknown>;
}

describe('login and consent in headless Chromium', { skip }, () => {
  let context: BrowserContext;
  before(async () => { if (!skip) context = await newContext(); });
  after(async () => { await context?.close(); });

  it('signs in (after a wrong password), shows consent in plain words, and redirects with code, state and iss', async () => {
    const page = await context.newPage();
    const { verifier, challenge } = pkce();
    const loginRes = await page.goto(authorizeUrl(APP.clientId, 'openid profile read_inbox', 'browser-state-1', challenge));
    assert.equal(new URL(page.url()).pathname, '/login');
    assertNotFramable(loginRes, 'login page');
    assert.match(await page.textContent('main') ?? '', new RegExp(`continue to ${APP.name}`));
    IMAGES = `${screenshotDir()}/`;
    await page.screenshot({ path: `${IMAGES}login.png`, fullPage: true });

    const wrong = await signIn(page, 'not the password');
    assert.equal(wrong?.status(), 401);
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal((await page.textContent('[role=alert]'))?.trim(), 'Wrong username or password.');
    assert.equal(await page.inputValue('#username'), USER.username, 'the username is kept');

    const consentRes = await signIn(page, USER.password);
    assert.equal(new URL(page.url()).pathname, '/consent');
    assertNotFramable(consentRes, 'consent page');
    const consent = (await page.textContent('main')) ?? '';
    assert.match(consent, new RegExp(`Authorize ${APP.name}\\?`));
    assert.ok(consent.includes(`${APP.name} (${APP.domain}) wants to access your account`), consent);
    assert.ok(consent.includes('Alice Example'), 'names the signed-in user');
    const scopes = await page.locator('ul.scopes li').allTextContents();
    assert.deepEqual(scopes, ['Sign you in with your accountopenid', 'See your name and profileprofile', 'Read your inboxread_inbox']);
    await page.screenshot({ path: `${IMAGES}consent.png`, fullPage: true });

    await Promise.all([page.waitForURL(`${callbackUri}?**`), page.click('button[value=allow]')]);
    const params = callbackParams(page);
    assert.equal(params.get('state'), 'browser-state-1');
    assert.equal(params.get('iss'), s.issuer);
    const body = await exchange(APP.clientId, params.get('code')!, verifier);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.scope, 'openid profile read_inbox');
    assert.ok(body.id_token, 'openid gives an id_token');
  });

  it('remembers the grant: the same request again skips login and consent', async () => {
    const page = await context.newPage();
    const { verifier, challenge } = pkce();
    await page.goto(authorizeUrl(APP.clientId, 'openid profile read_inbox', 'browser-state-2', challenge));
    const params = callbackParams(page);
    assert.equal(params.get('state'), 'browser-state-2');
    assert.equal((await exchange(APP.clientId, params.get('code')!, verifier)).scope, 'openid profile read_inbox');
  });

  it('Deny redirects with error=access_denied and the state', async () => {
    // A fresh browser and a client the user has not approved, so consent is asked again.
    const fresh = await newContext();
    try {
      const page = await fresh.newPage();
      await page.goto(authorizeUrl(PUBLIC_CLIENT, 'openid email', 'browser-state-3', pkce().challenge));
      await signIn(page, USER.password);
      assert.equal(new URL(page.url()).pathname, '/consent');
      // Without an OAuth domain, the domain shown is where the browser will be sent.
      const text = (await page.textContent('main')) ?? '';
      assert.ok(text.includes(`Public Test App (${new URL(callbackUri).host})`), text);
      await Promise.all([page.waitForURL(`${callbackUri}?**`), page.click('button[value=deny]')]);
      const params = callbackParams(page);
      assert.equal(params.get('error'), 'access_denied');
      assert.equal(params.get('state'), 'browser-state-3');
      assert.equal(params.get('iss'), s.issuer);
      assert.equal(params.get('code'), null);
    } finally {
      await fresh.close();
    }
  });
});
