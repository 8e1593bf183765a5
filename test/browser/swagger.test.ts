/**
 * Seed 004 in a real browser: Swagger UI at /api/swagger loads under its CSP, looks like Pixie
 * (its title and header, no Swagger "Explore" bar or logo), Authorize runs the client-credentials
 * flow against /default/admin/oauth2/token with manage_configuration already ticked, Try it out
 * creates a client; and the system tenant's admin authorizes to list tenants.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser } from 'playwright-core';
import { ADMIN, api, clientToken, startAdminServer, SYSTEM_SECRET } from '../admin/helpers.js';
import type { TestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/browser.js';

const BODY = {
  authorization_server_id: 'default', client_id: 'client-pkce', client_name: 'My app', grant_types: ['authorization_code'],
  public: true, redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none', response_types: ['code'], scopes: ['openid'],
};

let s: TestServer;
let browser: Browser;
before(async () => {
  s = await startAdminServer();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await s?.close();
});

describe('Swagger UI', () => {
  it('authorizes with client credentials and creates a client with Try it out', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    try {
      // Seed 004 opens /api/swagger/{tenant}.
      const res = await page.goto(`${s.url}/api/swagger/default`);
      assert.equal(res?.status(), 200);
      assert.match(res!.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
      // Pixie's name and header; none of Swagger's top bar ("Explore", its logo).
      await page.locator('.info .title', { hasText: 'Pixie admin API' }).waitFor();
      assert.equal(await page.title(), 'Pixie admin API');
      assert.equal(await page.locator('header.pixie-top .brand').textContent(), 'Pixie');
      assert.equal(await page.locator('.topbar').count(), 0);
      assert.equal(await page.getByText('Explore', { exact: true }).count(), 0);
      const accent = await page.locator('.auth-wrapper button.authorize').evaluate((b) => getComputedStyle(b).borderColor);
      assert.equal(accent, 'rgb(91, 63, 214)', 'the Authorize button has Pixie\'s accent colour');
      await page.locator('.auth-wrapper button.authorize').click();

      const oauth = page.locator('.auth-container', { hasText: 'adminOAuth' });
      await oauth.locator('input#client_id_clientCredentials').fill(ADMIN.clientId);
      await oauth.locator('input#client_secret_clientCredentials').fill(ADMIN.secret);
      // The scope the admin API needs is ticked already.
      assert.equal(await oauth.locator('input[type=checkbox][id*="manage_configuration"]').isChecked(), true);
      await oauth.locator('button.modal-btn.authorize').click();
      await oauth.locator('button.modal-btn', { hasText: 'Logout' }).waitFor();
      await oauth.locator('button.btn-done').click();

      const op = page.locator('.opblock-post', { has: page.locator('[data-path="/api/admin/{tenant}/clients"]') });
      await op.locator('.opblock-summary').click();
      await op.locator('button.try-out__btn').click();
      await op.locator('input[placeholder="tenant"]').fill('default');
      await op.locator('textarea.body-param__text').fill(JSON.stringify(BODY, null, 2));
      await op.locator('button.execute').click();
      const status = op.locator('.live-responses-table .response .response-col_status').first();
      await status.waitFor();
      assert.equal((await status.textContent())?.trim(), '201', await op.locator('.live-responses-table').textContent() ?? '');
    } finally {
      await page.close();
    }
    assert.deepEqual(problems.filter((p) => /Content Security Policy|Refused/i.test(p)), [], 'no CSP violations');

    const token = await clientToken(s.url, 'default', ADMIN);
    const created = await api(s.url, 'GET', '/api/admin/default/servers/default/clients/client-pkce', token);
    assert.equal(created.status, 200);
    assert.equal(created.body.client_name, 'My app');
    const log = await api(s.url, 'GET', '/api/admin/default/audit-log', token);
    assert.equal(log.body.items[0].action, 'client.create');
    assert.equal(log.body.items[0].actor.client_id, ADMIN.clientId);
  });

  it('authorizes as the system tenant\'s admin and lists tenants with Try it out', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${s.url}/api/swagger/`);
      await page.locator('.auth-wrapper button.authorize').click();
      const oauth = page.locator('.auth-container', { hasText: 'systemOAuth' });
      assert.match(await oauth.textContent() ?? '', /\/system\/admin\/oauth2\/token/);
      await oauth.locator('input[id^="client_id"]').fill('system-admin');
      await oauth.locator('input[id^="client_secret"]').fill(SYSTEM_SECRET);
      assert.equal(await oauth.locator('input[type=checkbox][id*="manage_configuration"]').isChecked(), true);
      await oauth.locator('button.modal-btn.authorize').click();
      await oauth.locator('button.modal-btn', { hasText: 'Logout' }).waitFor();
      await page.locator('.dialog-ux button.close-modal').click();

      const op = page.locator('.opblock-get', { has: page.locator('[data-path="/api/system/tenants"]') });
      await op.locator('.opblock-summary').click();
      await op.locator('button.try-out__btn').click();
      await op.locator('button.execute').click();
      const status = op.locator('.live-responses-table .response .response-col_status').first();
      await status.waitFor();
      assert.equal((await status.textContent())?.trim(), '200', await op.locator('.live-responses-table').textContent() ?? '');
      assert.match(await op.locator('.live-responses-table').textContent() ?? '', /"acme"/);
    } finally {
      await page.close();
    }
  });
});
