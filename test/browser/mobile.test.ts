/**
 * Every page on a phone: at a 390 px wide viewport (headless Chromium) no page scrolls
 * sideways, tables keep their column labels, and /pkce has the site header like the others.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { launchChromium, NO_CHROMIUM } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pkce } from '../helpers/user-agent.js';

const skip = NO_CHROMIUM ? `browser tests SKIPPED: ${NO_CHROMIUM}` : false;
let s: TestServer;
let browser: Browser;
let page: Page;

before(async () => {
  if (skip) return;
  s = await startTestServer();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
});
after(async () => {
  await browser?.close();
  await s?.close();
});

/** The page does not scroll sideways: nothing is wider than the viewport. */
async function fits(what: string): Promise<void> {
  const { scrollWidth, clientWidth, widest } = await page.evaluate(() => {
    const root = document.documentElement;
    // For the failure message: the widest element, to know what to fix.
    let widest = '';
    let max = 0;
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const right = el.getBoundingClientRect().right;
      if (right > max) { max = right; widest = `${el.tagName.toLowerCase()}.${el.className} (${Math.round(right)} px)`; }
    }
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, widest };
  });
  assert.ok(scrollWidth <= clientWidth, `${what} (${page.url()}) is ${scrollWidth} px wide in a ${clientWidth} px viewport; widest: ${widest}`);
}

async function open(path: string, what: string): Promise<void> {
  await page.goto(`${s.url}${path}`);
  await fits(what);
}

describe('pages at 390 px', { skip }, () => {
  let clientId = '';

  it('home, 404, pkce and login fit while signed out', async () => {
    await open('/', 'home page');
    await open('/no/such/page/with/a/rather/long/address/that/goes/on/and/on/and/on', '404 page');
    await open('/pkce', 'PKCE helper');
    await open(`/pkce?client_id=${PUBLIC_CLIENT}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&scope=openid+profile`, 'PKCE helper with a URL');
    await open('/login', 'login');
    await page.fill('#username', USER.username);
    await page.fill('#password', 'wrong password');
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]');
    await fits('login with an error');
  });

  it('the portal fits: empty list, new app, app page with keys and secrets, confirmation', async () => {
    await page.goto(`${s.url}/apps`);
    await page.fill('#username', USER.username);
    await page.fill('#password', USER.password);
    await Promise.all([page.waitForURL((u) => u.pathname === '/apps'), page.click('button[type=submit]')]);
    await fits('empty app list');
    await open('/apps/new', 'new application');
    await page.fill('#name', 'Quarterly Engagement Reporting Dashboard for Support');
    await page.fill('#description', 'Weekly reports of unanswered questions for the support team, with a very long description.');
    await page.fill('#oauth_domain', 'reports.acme-corporation-international.example');
    await page.fill('#redirect_uris', 'https://reports.acme-corporation-international.example/oauth/callback/with/a/long/path');
    await page.check('input[name=non_web_redirect]');
    await page.click('button:has-text("Create application")');
    await page.waitForSelector('#client-id');
    clientId = (await page.textContent('#client-id'))!.trim();
    await fits('application page');
    for (const kind of ['api-key', 'secret']) {
      await page.fill(`#${kind}-name`, 'Production server in the main data centre');
      await page.click(`form[action$="/${kind === 'api-key' ? 'api-keys' : 'secrets'}"] button[type=submit]`);
      await page.waitForSelector('#issued-value');
      await fits(`application page with a new ${kind}`);
    }
    await open(`/apps/${clientId}`, 'application page with key and secret tables');
    await open('/apps', 'app list');
    await page.goto(`${s.url}/apps/${clientId}`);
    await page.click('#secrets a:has-text("Revoke")');
    await fits('revoke confirmation');
    await page.goBack();
    await page.click('#api-keys a:has-text("Expiry")');
    await fits('expiry page');
  });

  it('tables keep their column labels on a narrow screen', async () => {
    await page.goto(`${s.url}/apps/${clientId}`);
    const labels = await page.$$eval('#api-keys tbody td', (cells) => cells.map((td) => ({
      label: td.getAttribute('data-label'),
      shown: getComputedStyle(td, '::before').content,
    })));
    const named = labels.filter((l) => l.label);
    assert.deepEqual(named.map((l) => l.label), ['Name', 'Key', 'Created', 'Expires', 'Last used']);
    for (const l of named) assert.equal(l.shown, `"${l.label}"`, 'the label is shown before the value');
    await page.goto(`${s.url}/apps`);
    const listLabels = await page.$$eval('table.list tbody td', (cells) => cells.map((td) => getComputedStyle(td, '::before').content));
    assert.deepEqual(listLabels, ['"Application"', '"Client ID"', '"Type"', '"Grant types"']);
  });

  it('consent, login_success and account fit; /pkce has the site header', async () => {
    const redirect = `${s.url}/oauth/login_success`;
    await page.goto(`${s.url}/oauth?${new URLSearchParams({ client_id: clientId, scope: 'read_inbox,write_access,private_info', redirect_uri: redirect, state: 'st-1' })}`);
    assert.equal(new URL(page.url()).pathname, '/consent');
    await fits('consent');
    await Promise.all([page.waitForURL((u) => u.pathname === '/oauth/login_success'), page.click('button[value=allow]')]);
    await fits('login_success with a code');
    await open('/oauth/login_success?error=access_denied&error_description=The+user+denied+the+request+for+a+rather+long+reason&state=st-2', 'login_success with an error');
    await open('/account', 'account');
    assert.match(await page.textContent('main') ?? '', /Quarterly Engagement/);
    await open('/', 'home page signed in');
    await open('/pkce', 'PKCE helper signed in');
    assert.equal((await page.textContent('header.top .who', { timeout: 2000 }))?.trim(), USER.username, '/pkce shows who is signed in, like the other pages');
    await open('/logout', 'sign out');
    // A consent page for an OIDC client too (scopes with long descriptions).
    await page.goto(`${s.issuer}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'openid profile email offline_access read_inbox',
      state: 'st-3', code_challenge: pkce().challenge, code_challenge_method: 'S256',
    })}`);
    assert.equal(new URL(page.url()).pathname, '/consent');
    await fits('OIDC consent');
  });
});
