/**
 * GET / (a page for browsers, a small JSON document for programs) and unknown addresses (an
 * HTML 404 page for browsers, the JSON error for API clients).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FIXTURE } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('home page and 404s', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(async () => { await s.close(); });

  it('serves a page to a browser naming the server and linking to discovery, /apps, /account, /pkce and the API docs', async () => {
    const res = await fetch(`${s.url}/`, { headers: HTML });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const page = await res.text();
    assert.match(page, /<h1>Pixie<\/h1>/);
    assert.ok(page.includes(`<code>${s.url}</code>`), 'names this server');
    for (const href of [`${s.issuer}/.well-known/openid-configuration`, '/apps', '/account', '/pkce', '/api/swagger']) {
      assert.ok(page.includes(`href="${href}"`), href);
    }
    assert.ok(!page.includes(`${s.url}/system/`), 'the system tenant is not listed');
  });

  it('answers a program with a small JSON document whose discovery URLs work', async () => {
    const res = await fetch(`${s.url}/`);
    assert.equal(res.status, 200);
    const body = await res.json() as { name: string; issuers: string[]; discovery: string[]; more: boolean; openapi: string };
    assert.equal(body.name, 'Pixie');
    assert.ok(body.issuers.includes(s.issuer));
    assert.equal(body.more, false);
    const discovery = await fetch(body.discovery[body.issuers.indexOf(s.issuer)]!);
    assert.equal((await discovery.json()).issuer, s.issuer);
    assert.equal((await fetch(body.openapi)).status, 200);
  });

  it('shows a browser a 404 page for an unknown address, and an API client the JSON error', async () => {
    const page = await fetch(`${s.url}/no/such/page?x=1`, { headers: HTML });
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const text = await page.text();
    assert.match(text, /Page not found/);
    assert.match(text, /<code class="wrap">\/no\/such\/page<\/code>/);
    assert.match(text, /href="\/"/);
    const api = await fetch(`${s.url}/no/such/page`, { headers: { accept: 'application/json' } });
    assert.equal(api.status, 404);
    assert.deepEqual(await api.json(), { error: 'not_found', message: 'no route GET /no/such/page' });
  });

  it('escapes the address it names', async () => {
    const text = await (await fetch(`${s.url}/%3Cscript%3Ealert(1)%3C/script%3E`, { headers: HTML })).text();
    assert.ok(!text.includes('<script>alert'), 'not echoed as markup');
  });
});

describe('home page with many tenants', () => {
  let s: TestServer;
  before(async () => {
    const tenants = Array.from({ length: 60 }, (_, i) => ({ id: `t${String(i).padStart(2, '0')}`, servers: [{ id: 'default' }] }));
    s = await startTestServer({ imports: [FIXTURE, { tenants }] });
  });
  after(async () => { await s.close(); });

  it('lists the first 50 servers with a note, in the page and in the JSON', async () => {
    const body = await (await fetch(`${s.url}/`)).json() as { issuers: string[]; more: boolean };
    assert.equal(body.issuers.length, 50);
    assert.equal(body.more, true);
    assert.equal(body.issuers[0], `${s.url}/default/admin`);
    const page = await (await fetch(`${s.url}/`, { headers: HTML })).text();
    assert.equal(page.match(/\/\.well-known\/openid-configuration"/g)?.length, 50);
    assert.match(page, /Showing the first 50\./);
  });
});
