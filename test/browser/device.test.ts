/**
 * The device verification page (RFC 8628 §3.3) in headless Chromium, at a phone's 390 px: the
 * code prefilled from verification_uri_complete, sign-in, a consent page that names the app and
 * says it signs in on another device, the done page; a wrong code shown on the form again; Deny.
 * Nothing scrolls sideways on the way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, NO_CHROMIUM } from '../helpers/browser.js';
import { DEVICE_CLIENT, DEVICE_GRANT, deviceClients } from '../helpers/device.js';
import { FIXTURE, USER } from '../helpers/fixture.js';
import { postForm } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const skip = NO_CHROMIUM ? `browser tests SKIPPED: ${NO_CHROMIUM}` : false;
let s: TestServer;
let browser: Browser;

before(async () => {
  if (skip) return;
  s = await startTestServer({ imports: [FIXTURE, { tenants: [{ id: 'default', servers: [{ id: 'default', clients: deviceClients() as never[] }] }] }] });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await s?.close();
});

interface Started { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string }

async function startDevice(): Promise<Started> {
  const res = await postForm(`${s.issuer}/oauth2/device_authorization`, { client_id: DEVICE_CLIENT, scope: 'openid profile' });
  assert.equal(res.status, 200);
  return (await res.json()) as Started;
}

async function poll(deviceCode: string): Promise<Record<string, unknown>> {
  const res = await postForm(`${s.issuer}/oauth2/token`, { grant_type: DEVICE_GRANT, client_id: DEVICE_CLIENT, device_code: deviceCode });
  return (await res.json()) as Record<string, unknown>;
}

async function fits(page: Page, what: string): Promise<void> {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
  assert.ok(scrollWidth <= clientWidth, `${what} is ${scrollWidth} px wide in a ${clientWidth} px viewport`);
}

describe('the /device page in Chromium', { skip }, () => {
  it('code prefilled from the QR link → sign in → consent naming the app and the other device → done; the device gets its tokens', async () => {
    const started = await startDevice();
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(started.verification_uri_complete);
    assert.equal(await page.inputValue('#user_code'), started.user_code);
    await fits(page, 'the code page');
    await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('button[type=submit]')]);
    assert.match(await page.textContent('.lead') ?? '', /TV App/);
    await fits(page, 'the sign-in page');
    await page.fill('#username', USER.username);
    await page.fill('#password', USER.password);
    await Promise.all([page.waitForURL((u) => u.pathname === '/consent'), page.click('button[type=submit]')]);
    const consent = await page.textContent('main') ?? '';
    assert.match(consent, /TV App is signing in on another device/);
    assert.match(consent, /If someone sent you the code, deny/);
    await fits(page, 'the consent page');
    await Promise.all([page.waitForURL((u) => u.pathname.endsWith('/device/done')), page.click('button[value=allow]')]);
    assert.match(await page.textContent('main') ?? '', /You can return to your device/);
    await fits(page, 'the done page');
    const tokens = await poll(started.device_code);
    assert.ok(tokens.access_token, JSON.stringify(tokens));
    assert.ok(tokens.id_token);
    await page.close();
  });

  it('a wrong code is shown on the form again with what was typed; the right one then leads on; Deny tells the device', async () => {
    const started = await startDevice();
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(started.verification_uri);
    assert.equal(await page.inputValue('#user_code'), '');
    await page.fill('#user_code', 'zzzz zzzz');
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]');
    assert.match(await page.textContent('[role=alert]') ?? '', /not valid, or it has expired/);
    assert.equal(await page.inputValue('#user_code'), 'zzzz zzzz');
    await fits(page, 'the code page with an error');
    await page.fill('#user_code', started.user_code.toLowerCase());
    await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('button[type=submit]')]);
    await page.fill('#username', USER.username);
    await page.fill('#password', USER.password);
    await Promise.all([page.waitForURL((u) => u.pathname === '/consent'), page.click('button[type=submit]')]);
    await Promise.all([page.waitForURL((u) => u.pathname.endsWith('/device/done')), page.click('button[value=deny]')]);
    assert.match(await page.textContent('main') ?? '', /You denied the request/);
    assert.equal((await poll(started.device_code)).error, 'access_denied');
    await page.close();
  });
});
