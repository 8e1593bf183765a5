/**
 * Malformed input at every endpoint family is refused by the route's schema with a 400 that
 * names the field, in the endpoint's own error format: OAuth `invalid_request` (JSON, or
 * form-encoded on /oauth/access_token), a Bearer challenge at userinfo, the HTML error page on
 * pages, `validation_failed` on the admin API. Never a 500, never Fastify's own error shape.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, api, clientToken, startAdminServer } from '../admin/helpers.js';
import { basic } from '../helpers/flow.js';
import { PUBLIC_CLIENT, REDIRECT_URI } from '../helpers/fixture.js';
import type { TestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => { s = await startAdminServer(); });
after(async () => { await s.close(); });

const LONG = 'x'.repeat(9000);
const FORM = 'application/x-www-form-urlencoded';

/** A request body or query string from pairs, so that a name can repeat. */
function encode(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

interface Sent { method?: string; path: string; query?: [string, string][]; form?: [string, string][]; json?: unknown; headers?: Record<string, string> }

async function send(r: Sent): Promise<{ status: number; type: string; text: string; headers: Headers }> {
  const url = `${s.url}${r.path}${r.query ? `?${encode(r.query)}` : ''}`;
  const headers: Record<string, string> = { ...r.headers };
  let body: string | undefined;
  if (r.form) { headers['content-type'] = FORM; body = encode(r.form); }
  if (r.json !== undefined) { headers['content-type'] = 'application/json'; body = JSON.stringify(r.json); }
  const res = await fetch(url, { method: r.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, redirect: 'manual' });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text(), headers: res.headers };
}

/** `parameter "name"` as the JSON error says it, or as the page shows it (quotes escaped). */
function names(text: string, field: string): boolean {
  return new RegExp(`parameter (?:"|&quot;|&#34;)${field}(?:"|&quot;|&#34;)`).test(text);
}

interface Case { name: string; field: string; request: Sent }

async function expectOAuthJson(c: Case): Promise<void> {
  const res = await send(c.request);
  assert.equal(res.status, 400, `${c.name}: ${res.text}`);
  assert.match(res.type, /application\/json/);
  const body = JSON.parse(res.text) as { error: string; error_description: string };
  assert.equal(body.error, 'invalid_request');
  assert.ok(names(body.error_description, c.field), `${c.name}: ${body.error_description}`);
  assert.deepEqual(Object.keys(body).sort(), ['error', 'error_description']);
}

async function expectPage(c: Case): Promise<void> {
  const res = await send(c.request);
  assert.equal(res.status, 400, `${c.name}: ${res.text.slice(0, 300)}`);
  assert.match(res.type, /text\/html/);
  assert.ok(names(res.text, c.field), `${c.name}: the page names "${c.field}"`);
}

const tokenEndpoints = ['/default/default/oauth2/token', '/default/default/oauth2/introspect', '/default/default/oauth2/revoke'];

describe('OAuth endpoints: invalid_request JSON naming the field', () => {
  for (const path of tokenEndpoints) {
    const field = path.endsWith('token') ? 'grant_type' : 'token';
    const cases: Case[] = [
      { name: `${path}: a parameter sent twice`, field, request: { path, form: [[field, 'a'], [field, 'b']], headers: { authorization: basic() } } },
      { name: `${path}: an overlong parameter`, field, request: { path, form: [[field, LONG]], headers: { authorization: basic() } } },
      { name: `${path}: a number where a string is expected (JSON body)`, field, request: { path, json: { [field]: 5 }, headers: { authorization: basic() } } },
      { name: `${path}: an unknown parameter sent twice`, field: 'extra', request: { path, form: [[field, 'a'], ['extra', '1'], ['extra', '2']] } },
    ];
    for (const c of cases) it(c.name, () => expectOAuthJson(c));
  }

  it('/oauth/access_token/json: a parameter twice in the body, and twice in the URL', async () => {
    await expectOAuthJson({ name: 'body', field: 'code', request: { path: '/oauth/access_token/json', form: [['code', 'a'], ['code', 'b']] } });
    await expectOAuthJson({ name: 'query', field: 'client_id', request: { method: 'POST', path: '/oauth/access_token/json', query: [['client_id', 'a'], ['client_id', 'b']] } });
    await expectOAuthJson({ name: 'overlong', field: 'redirect_uri', request: { path: '/oauth/access_token/json', form: [['redirect_uri', LONG]] } });
  });

  it('/oauth/access_token answers form-encoded, naming the field', async () => {
    const res = await send({ path: '/oauth/access_token', form: [['code', 'a'], ['code', 'b']] });
    assert.equal(res.status, 400);
    assert.match(res.type, /application\/x-www-form-urlencoded/);
    const body = Object.fromEntries(new URLSearchParams(res.text));
    assert.equal(body.error, 'invalid_request');
    assert.ok(names(body.error_description, 'code'), body.error_description);
  });

  it('/userinfo: an access_token sent twice in the body is a Bearer invalid_request', async () => {
    const res = await send({ path: '/default/default/userinfo', form: [['access_token', 'a'], ['access_token', 'b']] });
    assert.equal(res.status, 400);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_request"/);
    assert.ok(names(JSON.parse(res.text).error_description, 'access_token'));
  });
});

describe('authorization and logout endpoints: the error page naming the field', () => {
  const authorize = '/default/default/oauth2/authorize';
  const ok: [string, string][] = [['response_type', 'code'], ['client_id', PUBLIC_CLIENT], ['redirect_uri', REDIRECT_URI]];
  const cases: Case[] = [
    { name: 'authorize: client_id twice', field: 'client_id', request: { path: authorize, query: [...ok, ['client_id', 'other']] } },
    { name: 'authorize: an overlong state', field: 'state', request: { path: authorize, query: [...ok, ['state', LONG]] } },
    { name: 'authorize (POST): a number where a string is expected', field: 'client_id', request: { path: authorize, json: { client_id: 5 } } },
    { name: '/oauth: redirect_uri twice', field: 'redirect_uri', request: { path: '/oauth', query: [...ok, ['redirect_uri', 'http://127.0.0.1/other']] } },
    { name: 'logout: state twice', field: 'state', request: { path: '/default/default/oauth2/logout', query: [['state', 'a'], ['state', 'b']] } },
    { name: 'logout: an overlong client_id', field: 'client_id', request: { path: '/default/default/oauth2/logout', query: [['client_id', LONG]] } },
    { name: 'logout confirmation: decision twice', field: 'decision', request: { path: '/default/default/oauth2/logout/confirm', form: [['decision', 'logout'], ['decision', 'stay']] } },
  ];
  for (const c of cases) it(c.name, () => expectPage(c));
});

describe('sign-in, consent, PKCE helper and portal pages: the error page naming the field', () => {
  const cases: Case[] = [
    { name: 'GET /login: an overlong return_to', field: 'return_to', request: { path: '/login', query: [['return_to', `/${LONG}`]] } },
    { name: 'POST /login: username twice', field: 'username', request: { path: '/login', form: [['username', 'a'], ['username', 'b'], ['password', 'p']] } },
    { name: 'POST /login: an overlong password', field: 'password', request: { path: '/login', form: [['username', 'a'], ['password', LONG]] } },
    { name: 'GET /logout: tenant twice', field: 'tenant', request: { path: '/logout', query: [['tenant', 'a'], ['tenant', 'b']] } },
    { name: 'GET /consent: interaction twice', field: 'interaction', request: { path: '/consent', query: [['interaction', 'a'], ['interaction', 'b']] } },
    { name: 'POST /consent: decision twice', field: 'decision', request: { path: '/consent', form: [['decision', 'allow'], ['decision', 'deny']] } },
    { name: 'GET /pkce: client_id twice', field: 'client_id', request: { path: '/pkce', query: [['client_id', 'a'], ['client_id', 'b']] } },
    { name: 'GET /apps: done twice', field: 'done', request: { path: '/apps', query: [['done', 'saved'], ['done', 'created']] } },
    { name: 'POST /apps: name twice', field: 'name', request: { path: '/apps', form: [['name', 'a'], ['name', 'b']] } },
    { name: 'POST /apps/{id}/api-keys: an overlong expires_on', field: 'expires_on', request: { path: '/apps/some-app/api-keys', form: [['expires_on', LONG]] } },
    { name: 'POST /account/authorizations/{id}/revoke: csrf twice', field: 'csrf', request: { path: '/account/authorizations/g1/revoke', form: [['csrf', 'a'], ['csrf', 'b']] } },
  ];
  for (const c of cases) it(c.name, () => expectPage(c));
});

describe('admin API: validation_failed naming the field', () => {
  let token: string;
  before(async () => { token = await clientToken(s.url, 'default', ADMIN); });

  const cases: { name: string; field: string; path: string; method: string; body?: unknown }[] = [
    { name: 'a number where a string is expected', field: 'username', method: 'POST', path: '/api/admin/default/users', body: { username: 5, password: 'a-long-enough-password' } },
    { name: 'an array where a string is expected', field: 'client_name', method: 'POST', path: '/api/admin/default/clients', body: { client_id: 'c1', authorization_server_id: 'default', client_name: ['a', 'b'] } },
    { name: 'an overlong field', field: 'name', method: 'PATCH', path: '/api/admin/default/users/alice', body: { name: LONG } },
    { name: 'a malformed query parameter', field: 'limit', method: 'GET', path: '/api/admin/default/users?limit=many' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const res = await api(s.url, c.method, c.path, token, c.body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error, 'validation_failed');
      assert.ok(names(res.body.message, c.field), res.body.message);
    });
  }
});
