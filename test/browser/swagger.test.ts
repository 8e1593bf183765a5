/**
 * Seed 004 in a real browser: Swagger UI at /api/swagger loads under its CSP, Authorize runs
 * the client-credentials flow against /default/admin/oauth2/token, and Try it out creates a client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser } from 'playwright-core';
import { ADMIN, api, clientToken, startAdminServer } from '../admin/helpers.js';
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
      await page.locator('.auth-wrapper button.authorize').click();

      const oauth = page.locator('.auth-container', { hasText: 'adminOAuth' });
      await oauth.locator('input#client_id_clientCredentials').fill(ADMIN.clientId);
      await oauth.locator('input#client_secret_clientCredentials').fill(ADMIN.secret);
      await oauth.locator('label[for*="manage_configuration"]').click();
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
});
