/**
 * The developer portal in headless Chromium (SPEC §7): a developer signs in, creates an app,
 * generates API keys and client secrets (each shown once), revokes one, and uses the client ID
 * and secret in a real code flow; the revoked secret is refused. Takes the screenshots shown in
 * the README (into docs/images/ with `npm run screenshots`, else into a temp folder).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { POST_CLIENT, POST_SECRET, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, screenshotDir } from '../helpers/browser.js';

let IMAGES = '';
let s: TestServer;
let browser: Browser;
let page: Page;

before(async () => {
  s = await startTestServer();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  IMAGES = screenshotDir();
});
after(async () => {
  await browser?.close();
  await s?.close();
});

/** A screenshot as tall as the content, or cut below the element `until` (long pages). */
async function shot(name: string, until?: string): Promise<void> {
  await page.setViewportSize({ width: 1200, height: 300 });
  const clip = until ? await page.locator(until).boundingBox() : null;
  await page.screenshot({
    path: `${IMAGES}/${name}.png`, fullPage: true,
    ...(clip ? { clip: { x: 0, y: 0, width: 1200, height: Math.ceil(clip.y + clip.height + 24) } } : {}),
  });
  await page.setViewportSize({ width: 1200, height: 900 });
}

async function generate(kind: 'api-key' | 'secret', name: string, expiresOn = ''): Promise<string> {
  await page.fill(`#${kind}-name`, name);
  if (expiresOn) await page.fill(`#${kind}-expires`, expiresOn);
  await page.click(`form[action$="/${kind === 'api-key' ? 'api-keys' : 'secrets'}"] button[type=submit]`);
  await page.waitForSelector('#issued-value');
  return (await page.textContent('#issued-value'))!.trim();
}

/** Authorize in the browser; the app uses the non-web redirect, so the code lands on login_success. */
async function codeFromBrowser(clientId: string): Promise<string> {
  const redirect = `${s.url}/oauth/login_success`;
  await page.goto(`${s.url}/oauth?${new URLSearchParams({ client_id: clientId, scope: 'read_inbox,write_access', redirect_uri: redirect, state: 'st-1' })}`);
  if (new URL(page.url()).pathname === '/consent') {
    assert.match(await page.textContent('h1') ?? '', /Authorize/);
    await page.click('button[value=allow]');
  }
  await page.waitForURL((u) => u.pathname === '/oauth/login_success');
  assert.equal(new URL(page.url()).searchParams.get('state'), 'st-1');
  assert.ok(await page.isVisible('[data-copy="auth-code"]'), 'the copy button is shown when the script runs');
  return (await page.textContent('#auth-code'))!.trim();
}

function exchange(clientId: string, code: string, secret: string | null): Promise<Response> {
  return fetch(`${s.url}/oauth/access_token/json`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: clientId, code, redirect_uri: `${s.url}/oauth/login_success`, ...(secret ? { client_secret: secret } : {}) }),
  });
}

async function introspect(token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${s.issuer}/oauth2/introspect`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: POST_CLIENT, client_secret: POST_SECRET }),
  });
  return res.json() as Promise<Record<string, unknown>>;
}

describe('developer portal in a browser', () => {
  let clientId = '';
  const keys: string[] = [];
  const secrets: string[] = [];

  it('sends a signed-out visitor to sign in, then back to /apps', async () => {
    await page.goto(`${s.url}/apps`);
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(new URL(page.url()).searchParams.get('return_to'), '/apps');
    await page.fill('#username', USER.username);
    await page.fill('#password', USER.password);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => u.pathname === '/apps');
    assert.match(await page.textContent('main') ?? '', /No applications yet/);
  });

  it('creates a confidential application with a numeric client ID', async () => {
    await page.click('text=Create your first application');
    await page.fill('#name', 'Acme Reports');
    await page.fill('#description', 'Weekly reports of unanswered questions for the support team.');
    await page.fill('#oauth_domain', 'https://reports.acme.example/');
    await page.fill('#redirect_uris', 'https://reports.acme.example/oauth/callback');
    await page.check('input[name=non_web_redirect]');
    await shot('portal-new-app');
    await page.click('button:has-text("Create application")');
    await page.waitForSelector('#client-id');
    assert.match(await page.textContent('.notice') ?? '', /Application created/);
    clientId = (await page.textContent('#client-id'))!.trim();
    assert.match(clientId, /^\d{12}$/);
    assert.equal(await page.inputValue('#oauth_domain'), 'reports.acme.example', 'the domain is stored without https://');
  });

  it('generates two API keys and two client secrets, each shown once', async () => {
    keys.push(await generate('api-key', 'Production'));
    keys.push(await generate('api-key', 'Staging', new Date(Date.now() + 90 * 86400e3).toISOString().slice(0, 10)));
    secrets.push(await generate('secret', 'Server 2024'));
    secrets.push(await generate('secret', 'Server 2025'));
    await shot('portal-secret-once', '#api-keys');
    for (const k of keys) assert.match(k, /^pxk_/);
    for (const v of secrets) assert.match(v, /^pxs_/);
    assert.equal(new Set([...keys, ...secrets]).size, 4);
    assert.equal((await introspect(keys[0]!)).token_type, 'api_key');

    await page.goto(`${s.url}/apps/${clientId}`);
    const html = await page.content();
    for (const v of [...keys, ...secrets]) {
      assert.ok(!html.includes(v), 'a key or secret is never shown again');
      assert.ok(html.includes(v.slice(0, 8)), 'only its prefix is');
    }
    assert.equal(await page.locator('#api-keys tbody tr').count(), 2);
    assert.equal(await page.locator('#secrets tbody tr').count(), 2);
  });

  it('revokes a client secret and an API key after a confirmation page', async () => {
    await page.click(`#secrets tr:has-text("Server 2024") a:has-text("Revoke")`);
    assert.match(await page.textContent('h1') ?? '', /Revoke client secret “Server 2024”\?/);
    await shot('portal-confirm');
    await page.click('button:has-text("Revoke client secret")');
    await page.waitForSelector('.notice');
    assert.match(await page.textContent('#secrets tr:has-text("Server 2024")') ?? '', /Revoked/);

    await page.click(`#api-keys tr:has-text("Staging") a:has-text("Revoke")`);
    await page.click('button:has-text("Revoke API key")');
    await page.waitForSelector('.notice');
    assert.deepEqual(await introspect(keys[1]!), { active: false });
    assert.equal((await introspect(keys[0]!)).active, true);
    await shot('portal-app', '#secrets');
  });

  it('uses the client ID and the live secret in a real code flow; the revoked secret is refused', async () => {
    const code = await codeFromBrowser(clientId);
    const refused = await exchange(clientId, code, secrets[0]!);
    assert.equal(refused.status, 401);
    assert.equal((await refused.json()).error, 'invalid_client');
    const noSecret = await exchange(clientId, code, null);
    assert.equal(noSecret.status, 401, 'without PKCE a confidential app must send its secret');
    const ok = await exchange(clientId, code, secrets[1]!);
    assert.equal(ok.status, 200);
    const body = await ok.json();
    assert.equal(body.expires, 86400);
    assert.equal((await introspect(body.access_token)).client_id, clientId);
    await shot('login-success');
  });

  it('lists the authorized app on /account and revokes it with its tokens', async () => {
    const code = await codeFromBrowser(clientId);
    const token = (await (await exchange(clientId, code, secrets[1]!)).json()).access_token;
    // A second app makes the list look like a real account.
    await page.goto(`${s.url}/apps/new`);
    await page.fill('#name', 'Inbox Notifier');
    await page.fill('#description', 'Desktop notifications for new inbox items.');
    await page.check('input[value=public]');
    await page.check('input[name=non_web_redirect]');
    await page.click('button:has-text("Create application")');
    await page.waitForSelector('#client-id');
    await page.goto(`${s.url}/apps`);
    assert.equal(await page.locator('table.list tbody tr').count(), 2);
    await shot('portal-apps');

    await page.goto(`${s.url}/account`);
    const item = page.locator('ul.authorized li', { hasText: 'Acme Reports' });
    assert.match(await item.textContent() ?? '', /Make changes on your behalf/);
    assert.match(await item.textContent() ?? '', /last used just now/);
    await shot('account');
    await item.locator('a:has-text("Revoke access")').click();
    await page.click('button:has-text("Revoke access")');
    await page.waitForSelector('.notice');
    assert.match(await page.textContent('main') ?? '', /You have not authorized any application/);
    assert.deepEqual(await introspect(token), { active: false });
  });

  it('deletes the application after confirmation; its API key stops working', async () => {
    await page.goto(`${s.url}/apps/${clientId}`);
    await page.click('a:has-text("Delete application")');
    await page.click('button:has-text("Delete application")');
    await page.waitForURL((u) => u.pathname === '/apps');
    assert.match(await page.textContent('.notice') ?? '', /Application deleted/);
    assert.deepEqual(await introspect(keys[0]!), { active: false });
    const gone = await page.goto(`${s.url}/apps/${clientId}`);
    assert.equal(gone?.status(), 404);
  });
});
