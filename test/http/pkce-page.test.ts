import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';
import { launchChromium } from '../helpers/browser.js';

let s: TestServer;
before(async () => { s = await startTestServer(); });
after(async () => { await s.close(); });

const s256 = (v: string) => createHash('sha256').update(v).digest('base64url');
const field = (page: string, id: string) => new RegExp(`<textarea id="${id}"[^>]*>([^<]*)</textarea>`).exec(page)?.[1]?.replace(/&amp;/g, '&') ?? '';

describe('/pkce page', () => {
  it('works without JavaScript: a server-made pair and a working authorize URL', async () => {
    const res = await fetch(`${s.url}/pkce?${new URLSearchParams({ client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'openid,profile' })}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy')!, /script-src 'self'.*frame-ancestors 'none'/);
    const page = await res.text();
    const verifier = field(page, 'code_verifier');
    assert.match(verifier, /^[A-Za-z0-9\-._~]{64}$/);
    assert.equal(field(page, 'code_challenge'), s256(verifier));
    const url = new URL(field(page, 'authorize_url'));
    assert.equal(url.origin + url.pathname, `${s.issuer}/oauth2/authorize`);
    assert.equal(url.searchParams.get('scope'), 'openid profile');
    assert.equal(url.searchParams.get('code_challenge'), s256(verifier));
    // The URL really starts a sign-in, and the code it yields redeems with the shown verifier.
    const back = await new UserAgent(s.url).authorize(url.toString(), USER);
    const token = await fetch(`${s.issuer}/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code: back.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
    });
    assert.equal(token.status, 200);
  });

  it('builds the Stack Exchange /oauth URL with comma scopes, and refuses a bad tenant id with 400', async () => {
    const page = await (await fetch(`${s.url}/pkce?${new URLSearchParams({ endpoint: 'stackexchange', client_id: '42', redirect_uri: 'https://app.example.org/cb', scope: 'read_inbox,no_expiry' })}`)).text();
    const url = new URL(field(page, 'authorize_url'));
    assert.equal(url.pathname, '/oauth');
    assert.equal(url.searchParams.get('scope'), 'read_inbox,no_expiry');
    const bad = await fetch(`${s.url}/pkce?tenant=Bad%20Id&client_id=x&redirect_uri=https://a.example/`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /Tenant and server ids/);
  });

  it('generates a new pair in the browser with Web Crypto and rebuilds the URL as the form changes', async () => {
    const serverPage = await (await fetch(`${s.url}/pkce`)).text();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
      page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`); });
      await page.goto(`${s.url}/pkce`);
      await page.waitForSelector('body[data-pkce-ready=true]');
      const verifier = await page.inputValue('#code_verifier');
      assert.match(verifier, /^[A-Za-z0-9\-._~]{64}$/);
      assert.notEqual(verifier, field(serverPage, 'code_verifier'));
      assert.equal(await page.inputValue('#code_challenge'), s256(verifier));
      await page.fill('#client_id', PUBLIC_CLIENT);
      await page.fill('#redirect_uri', REDIRECT_URI);
      await page.fill('#scope', 'openid email');
      const url = new URL(await page.inputValue('#authorize_url'));
      assert.equal(url.searchParams.get('client_id'), PUBLIC_CLIENT);
      assert.equal(url.searchParams.get('code_challenge'), s256(verifier));
      assert.equal(url.searchParams.get('scope'), 'openid email');
      assert.equal(await page.isVisible('button[data-copy=code_verifier]'), true);
      await page.click('#regenerate');
      await page.waitForFunction((old) => (document.getElementById('code_verifier') as HTMLTextAreaElement).value !== old, verifier);
      assert.equal(await page.inputValue('#code_challenge'), s256(await page.inputValue('#code_verifier')));
      assert.deepEqual(errors, [], 'no CSP violations or script errors');
    } finally {
      await browser.close();
    }
  });
});
