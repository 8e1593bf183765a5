/**
 * Developer portal over plain HTTP (no browser): sign-in redirect, CSRF on every form, plain-words
 * validation errors, apps visible to their owner only; and `api_keys` in the import file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ImportFileData } from '../../src/import/schema.js';
import { validateImport } from '../../src/import/validate.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, FIXTURE, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

const IMPORTED_KEY = 'pxk_imported-key-for-the-confidential-app-000000000';
const BOB = { username: 'bob', password: 'another long password' };
const EXTRA: ImportFileData = {
  tenants: [{
    id: 'default', users: [{ username: BOB.username, password: BOB.password }],
    // Registered for client_secret_post: introspect() below sends the secret in the form body.
    servers: [{ id: 'default', clients: [{ client_id: CONFIDENTIAL_CLIENT, client_secret: CONFIDENTIAL_SECRET, token_endpoint_auth_method: 'client_secret_post', api_keys: [
      { name: 'Imported', key: IMPORTED_KEY, expires_at: null },
      { name: 'Legacy', key: 'U4DMV*8nvpm3EOpvf69Rxw((' },
    ] }] }],
  }],
};

let s: TestServer;
before(async () => { s = await startTestServer({ imports: [FIXTURE, EXTRA] }); });
after(async () => { await s.close(); });

async function signIn(user: { username: string; password: string }): Promise<UserAgent> {
  const ua = new UserAgent(s.url);
  const page = await ua.get('/login?return_to=/apps');
  const res = await ua.post('/login', { ...UserAgent.fields(await page.text()), username: user.username, password: user.password });
  assert.equal(res.headers.get('location'), '/apps');
  return ua;
}

async function csrfOf(ua: UserAgent, path: string): Promise<string> {
  return UserAgent.fields(await (await ua.get(path)).text()).csrf!;
}

async function introspect(token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${s.issuer}/oauth2/introspect`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: CONFIDENTIAL_CLIENT, client_secret: CONFIDENTIAL_SECRET }),
  });
  return res.json() as Promise<Record<string, unknown>>;
}

describe('developer portal pages', () => {
  it('redirects signed-out visitors to /login?return_to=/apps', async () => {
    for (const path of ['/apps', '/apps/new', '/account']) {
      const res = await fetch(`${s.url}${path}`, { redirect: 'manual' });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), `/login?return_to=${path}`);
    }
  });

  it('refuses a form without the CSRF token (403 page)', async () => {
    const ua = await signIn(USER);
    const res = await ua.post('/apps', { name: 'No CSRF', type: 'public', non_web_redirect: 'on' });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /This form has expired/);
  });

  it('explains validation errors in plain words and keeps what was typed', async () => {
    const ua = await signIn(USER);
    const csrf = await csrfOf(ua, '/apps/new');
    const noRedirect = await ua.post('/apps', { csrf, name: 'Typed name', type: 'confidential' });
    assert.equal(noRedirect.status, 400);
    const page = await noRedirect.text();
    assert.match(page, /Add an OAuth domain or a redirect URI/);
    assert.match(page, /value="Typed name"/);
    const badUri = await ua.post('/apps', { csrf, name: 'x', type: 'confidential', redirect_uris: 'http://evil.example/cb' });
    assert.match(await badUri.text(), /must use https/);
    const badDomain = await ua.post('/apps', { csrf, name: 'x', type: 'confidential', oauth_domain: 'not a domain/path' });
    assert.match(await badDomain.text(), /is not a domain name/);
  });

  it('saves allowed origins (one per line), explains a bad one in plain words, and CORS follows them', async () => {
    const ua = await signIn(USER);
    const csrf = await csrfOf(ua, '/apps/new');
    const created = await ua.post('/apps', { csrf, name: 'Browser app', type: 'public', non_web_redirect: 'on' });
    const appPath = created.headers.get('location')!.split('?')[0]!;
    const clientId = appPath.split('/').pop()!;
    const settings = { csrf, name: 'Browser app', grant_code_pkce: 'on', non_web_redirect: 'on' };
    for (const [bad, message] of [
      ['https://spa.example.com/app', /Allowed origin &quot;https:\/\/spa.example.com\/app&quot; must be the scheme, host and port only/],
      ['http://spa.example.com', /must use https/],
      ['spa.example.com', /is not a web origin: write it like https:\/\/app.example.com/],
    ] as const) {
      const res = await ua.post(appPath, { ...settings, allowed_origins: `https://ok.example.com\n${bad}` });
      assert.equal(res.status, 400, bad);
      const page = await res.text();
      assert.match(page, message, bad);
      assert.match(page, /<textarea id="allowed_origins"[^>]*>https:\/\/ok.example.com\n/, 'keeps what was typed');
    }
    const saved = await ua.post(appPath, { ...settings, allowed_origins: 'https://spa.example.com\r\n\r\nhttp://127.0.0.1:5173\n' });
    assert.equal(saved.status, 303);
    assert.match(await (await ua.get(appPath)).text(), /<textarea id="allowed_origins"[^>]*>https:\/\/spa.example.com\nhttp:\/\/127.0.0.1:5173<\/textarea>/);
    const res = await fetch(`${s.issuer}/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://spa.example.com' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code: 'pxc_nope', code_verifier: 'v'.repeat(43) }),
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://spa.example.com');
  });

  it('shows an app to its owner only, and public apps get no client secrets', async () => {
    const alice = await signIn(USER);
    const csrf = await csrfOf(alice, '/apps/new');
    const created = await alice.post('/apps', { csrf, name: 'Alice tool', type: 'public', non_web_redirect: 'on' });
    assert.equal(created.status, 303);
    const appPath = created.headers.get('location')!.split('?')[0]!;
    assert.match(appPath, /^\/apps\/\d{12}$/);
    const secret = await alice.post(`${appPath}/secrets`, { csrf, name: 'nope' });
    assert.equal(secret.status, 400);
    assert.match(await secret.text(), /Public applications cannot keep a secret/);
    const badExpiry = await alice.post(`${appPath}/api-keys`, { csrf, name: 'k', expires_on: '2001-01-01' });
    assert.match(await badExpiry.text(), /must be today or later/);

    const bob = await signIn(BOB);
    assert.equal((await bob.get(appPath)).status, 404);
    assert.doesNotMatch(await (await bob.get('/apps')).text(), /Alice tool/);
    const bobCsrf = await csrfOf(bob, '/apps/new');
    const del = await bob.post(`${appPath}/delete`, { csrf: bobCsrf });
    assert.equal(del.status, 404);
    assert.equal((await alice.get(appPath)).status, 200);
  });
});

describe('api_keys in the import file', () => {
  it('imports named keys hashed; they introspect as api_key', async () => {
    const stored = await s.deps.stores.apiKeys.list('default', 'default', CONFIDENTIAL_CLIENT);
    assert.deepEqual(stored.map((k) => k.name).sort(), ['Imported', 'Legacy']);
    assert.ok(stored.every((k) => !k.hash.includes('imported') && k.hash !== IMPORTED_KEY));
    const legacy = await introspect('U4DMV*8nvpm3EOpvf69Rxw((');
    assert.equal(legacy.token_type, 'api_key');
    assert.equal(legacy.client_id, CONFIDENTIAL_CLIENT);
  });

  it('rejects unknown fields of an api_keys entry, naming the path', () => {
    const bad = structuredClone(EXTRA) as unknown as { tenants: { servers: { clients: { api_keys: Record<string, unknown>[] }[] }[] }[] };
    bad.tenants[0]!.servers[0]!.clients[0]!.api_keys[0]!.secret = 'x';
    assert.throws(() => validateImport(bad), /clients\/0\/api_keys\/0.*unknown field/);
  });
});
