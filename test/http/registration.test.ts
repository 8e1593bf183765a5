/**
 * Dynamic client registration (RFC 7591) and management (RFC 7592): a client registered by
 * oauth4webapi completes a code flow; every RFC 7591 error; the registration access token;
 * initial access tokens in `token` mode; the cap; the per-IP limit; the consent page wording;
 * the admin API, audit log, metrics, and the purge of idle clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import type { ImportFileData } from '../../src/import/schema.js';
import { purgeOnce } from '../../src/jobs/purge.js';
import { ADMIN, ADMIN_FIXTURE, api, clientToken } from '../admin/helpers.js';
import { FIXTURE, USER } from '../helpers/fixture.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const REGISTRATION: ImportFileData = {
  tenants: [{
    id: 'default',
    servers: [
      { id: 'default', registration: 'open', dynamicClientIdleDays: 10 },
      { id: 'gated', registration: 'token' },
      { id: 'capped', registration: 'open', maxDynamicClients: 1 },
      { id: 'closed' },
    ],
  }],
};
const CALLBACK = 'http://127.0.0.1:9/callback';
const insecure = { [oauth.allowInsecureRequests]: true } as const;

async function register(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

async function call(method: string, url: string, token: string | null, body?: unknown): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

describe('dynamic client registration (RFC 7591/7592)', () => {
  let s: TestServer;
  let adminToken: string;
  const clock = new TestClock();
  const endpoint = (server = 'default') => `${s.url}/default/${server}/oauth2/register`;

  before(async () => {
    s = await startTestServer({ imports: [FIXTURE, ADMIN_FIXTURE, REGISTRATION], clock, config: { registrationsPerIp: 0 } });
    adminToken = await clientToken(s.url, 'default', ADMIN);
  });
  after(() => s.close());

  it('open mode: discovery names the endpoint; oauth4webapi registers a public client that completes a code flow; the consent page says it registered itself', async () => {
    const issuer = new URL(s.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    assert.equal(as.registration_endpoint, `${s.issuer}/oauth2/register`);
    const registered = await oauth.processDynamicClientRegistrationResponse(await oauth.dynamicClientRegistrationRequest(as, {
      client_name: 'Evil <b>App</b>', redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], scope: 'openid profile offline_access',
    }, insecure));
    assert.ok(registered.client_id);
    assert.equal(registered.client_secret, undefined, 'a public client gets no secret');
    assert.equal(typeof registered.client_id_issued_at, 'number');
    assert.ok(registered.registration_access_token);
    assert.equal(registered.registration_client_uri, `${s.issuer}/oauth2/register/${registered.client_id}`);

    const rp: oauth.Client = { client_id: registered.client_id };
    const { verifier, challenge } = pkce();
    const ua = new UserAgent(s.url);
    const authorize = `${s.issuer}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: rp.client_id, redirect_uri: CALLBACK, scope: 'openid offline_access', state: 'st',
      code_challenge: challenge, code_challenge_method: 'S256',
    })}`;
    let res = await ua.get(authorize);
    const login = await ua.get(res.headers.get('location')!);
    res = await ua.post('/login', { ...UserAgent.fields(await login.text()), username: USER.username, password: USER.password });
    const consent = await ua.get(res.headers.get('location')!);
    const html = await consent.text();
    assert.match(html, /<strong>Evil &lt;b&gt;App&lt;\/b&gt;<\/strong> registered itself; Pixie has not verified it/);
    assert.ok(!html.includes('<b>App</b>'), 'the name is escaped');
    res = await ua.post('/consent', { ...UserAgent.fields(html), decision: 'allow' });
    const callback = new URL(res.headers.get('location')!);
    const params = oauth.validateAuthResponse(as, rp, callback, 'st');
    const tokens = await oauth.processAuthorizationCodeResponse(as, rp,
      await oauth.authorizationCodeGrantRequest(as, rp, oauth.None(), params, CALLBACK, verifier, insecure));
    assert.ok(tokens.access_token);
    assert.ok(tokens.refresh_token);
  });

  it('a confidential client gets a secret with client_secret_expires_at 0 and authenticates with it', async () => {
    const r = await register(endpoint(), { redirect_uris: ['https://app.example.net/cb'], token_endpoint_auth_method: 'client_secret_post' });
    assert.equal(r.status, 201);
    assert.match(r.body.client_secret, /^pxs_/);
    assert.equal(r.body.client_secret_expires_at, 0);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    // The secret works at the token endpoint (the code grant is the only one: a wrong grant is refused after authentication).
    const tok = await fetch(`${s.issuer}/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: r.body.client_id, client_secret: r.body.client_secret }),
    });
    assert.equal(tok.status, 400);
    assert.equal(((await tok.json()) as any).error, 'unauthorized_client');
    const wrong = await fetch(`${s.issuer}/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: r.body.client_id, client_secret: 'pxs_wrong' }),
    });
    assert.equal(wrong.status, 401);
    // PKCE is required of every self-registered client, confidential ones too.
    const noPkce = await fetch(`${s.issuer}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: r.body.client_id, redirect_uri: 'https://app.example.net/cb', state: 'x',
    })}`, { redirect: 'manual' });
    const to = new URL(noPkce.headers.get('location')!);
    assert.equal(to.searchParams.get('error'), 'invalid_request');
    assert.match(to.searchParams.get('error_description')!, /code_challenge is required/);
  });

  const invalidRedirects: [string, unknown][] = [
    ['missing', {}],
    ['empty', { redirect_uris: [] }],
    ['not a list', { redirect_uris: 'https://a.example/cb' }],
    ['plain http', { redirect_uris: ['http://app.example.com/cb'] }],
    ['a fragment', { redirect_uris: ['https://app.example.com/cb#x'] }],
    ['javascript:', { redirect_uris: ['javascript:alert(1)'] }],
    ['relative', { redirect_uris: ['/cb'] }],
    ['credentials', { redirect_uris: ['https://user:pw@app.example.com/cb'] }],
    ['too many', { redirect_uris: Array.from({ length: 11 }, (_, i) => `https://a.example/${i}`) }],
  ];
  for (const [what, body] of invalidRedirects) {
    it(`invalid_redirect_uri: ${what}`, async () => {
      const r = await register(endpoint(), body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error, what === 'not a list' || what === 'too many' ? 'invalid_client_metadata' : 'invalid_redirect_uri');
      assert.ok(r.body.error_description);
    });
  }

  const ok = { redirect_uris: [CALLBACK] };
  const invalidMetadata: [string, unknown, RegExp][] = [
    ['body not an object', ['x'], /JSON object/],
    ['auth method private_key_jwt', { ...ok, token_endpoint_auth_method: 'private_key_jwt' }, /token_endpoint_auth_method/],
    ['implicit grant', { ...ok, grant_types: ['implicit'] }, /grant_types/],
    ['client_credentials grant', { ...ok, grant_types: ['authorization_code', 'client_credentials'] }, /client_credentials/],
    ['no authorization_code grant', { ...ok, grant_types: ['refresh_token'] }, /authorization_code/],
    ['response type token', { ...ok, response_types: ['token'] }, /response_types/],
    ['unknown scope', { ...ok, scope: 'openid nope' }, /nope/],
    ['reserved scope', { ...ok, scope: 'no_expiry' }, /no_expiry/],
    ['name too long', { ...ok, client_name: 'x'.repeat(101) }, /client_name/],
    ['name with a direction override', { ...ok, client_name: 'Good\u202eevil' }, /client_name/],
    ['http logo_uri', { ...ok, logo_uri: 'http://app.example.com/logo.png' }, /logo_uri/],
    ['jwks_uri', { ...ok, jwks_uri: 'https://app.example.com/jwks' }, /jwks/],
    ['software_statement', { ...ok, software_statement: 'eyJ...' }, /software_statement/],
    ['bad id token alg', { ...ok, id_token_signed_response_alg: 'none' }, /id_token_signed_response_alg/],
    ['bad post-logout URI', { ...ok, post_logout_redirect_uris: ['data:text/html,x'] }, /post_logout_redirect_uris/],
    ['too many contacts', { ...ok, contacts: ['a@b', 'a@b', 'a@b', 'a@b', 'a@b', 'a@b'] }, /contacts/],
  ];
  for (const [what, body, field] of invalidMetadata) {
    it(`invalid_client_metadata: ${what}`, async () => {
      const r = await register(endpoint(), body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error, 'invalid_client_metadata');
      assert.match(r.body.error_description, field);
    });
  }

  it('malformed bodies are 4xx, never 500', async () => {
    for (const [type, body] of [['application/json', '{'], ['application/json', ''], ['application/json', 'null'], ['application/json', '"x"'],
      ['text/plain', 'redirect_uris=x'], ['application/x-www-form-urlencoded', 'redirect_uris=https://a.example/cb']] as const) {
      const res = await fetch(endpoint(), { method: 'POST', headers: { 'content-type': type }, body });
      assert.ok(res.status >= 400 && res.status < 500, `${type} ${body}: ${res.status}`);
      assert.ok(((await res.json()) as any).error);
    }
  });

  it('RFC 7592: read, update and delete need the registration access token', async () => {
    const r = await register(endpoint(), { redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none', client_name: 'Mine', logo_uri: 'https://a.example/l.png' });
    const { registration_client_uri: uri, registration_access_token: token } = r.body;

    for (const method of ['GET', 'PUT', 'DELETE']) {
      const none = await call(method, uri, null, method === 'PUT' ? { redirect_uris: [CALLBACK] } : undefined);
      assert.equal(none.status, 401, method);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
      const wrong = await call(method, uri, 'pxra_wrong', method === 'PUT' ? { redirect_uris: [CALLBACK] } : undefined);
      assert.equal(wrong.status, 401, method);
    }
    // Another client's token does not open this one.
    const other = await register(endpoint(), { redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none' });
    assert.equal((await call('GET', uri, other.body.registration_access_token)).status, 401);

    const read = await call('GET', uri, token);
    assert.equal(read.status, 200);
    assert.equal(read.body.client_id, r.body.client_id);
    assert.equal(read.body.client_name, 'Mine');
    assert.equal(read.body.logo_uri, 'https://a.example/l.png');
    assert.equal(read.body.registration_access_token, undefined);

    const badUpdate = await call('PUT', uri, token, { client_id: r.body.client_id, redirect_uris: ['http://evil.example/cb'], token_endpoint_auth_method: 'none' });
    assert.equal(badUpdate.status, 400);
    assert.equal(badUpdate.body.error, 'invalid_redirect_uri');
    const otherId = await call('PUT', uri, token, { client_id: 'someone-else', redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none' });
    assert.equal(otherId.body.error, 'invalid_client_metadata');
    const toSecret = await call('PUT', uri, token, { redirect_uris: [CALLBACK], token_endpoint_auth_method: 'client_secret_basic' });
    assert.equal(toSecret.body.error, 'invalid_client_metadata');

    const updated = await call('PUT', uri, token, { client_id: r.body.client_id, redirect_uris: ['https://new.example/cb'], token_endpoint_auth_method: 'none', client_name: 'Renamed' });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.deepEqual(updated.body.redirect_uris, ['https://new.example/cb']);
    assert.equal((await call('GET', uri, token)).body.client_name, 'Renamed');

    const deleted = await call('DELETE', uri, token);
    assert.equal(deleted.status, 204);
    assert.equal((await call('GET', uri, token)).status, 401);
    const gone = await fetch(`${s.issuer}/oauth2/authorize?client_id=${r.body.client_id}&response_type=code`);
    assert.equal(gone.status, 400);
  });

  it('RFC 7592 does not touch clients an administrator made', async () => {
    assert.equal((await call('GET', `${endpoint()}/app-public`, 'pxra_anything')).status, 401);
    assert.equal((await call('DELETE', `${endpoint()}/app-public`, 'pxra_anything')).status, 401);
  });

  it('off (the default): no registration_endpoint in discovery, and the endpoint answers 404', async () => {
    const meta = await (await fetch(`${s.url}/default/closed/.well-known/oauth-authorization-server`)).json() as any;
    assert.equal(meta.registration_endpoint, undefined);
    assert.equal(meta.client_id_metadata_document_supported, undefined);
    assert.equal((await register(endpoint('closed'), ok)).status, 404);
    assert.equal((await register(`${s.url}/default/admin/oauth2/register`, ok)).status, 404);
  });

  describe('token mode: initial access tokens', () => {
    const tokensPath = '/api/admin/default/servers/gated/registration-tokens';

    it('without, or with an unknown initial access token: 401 invalid_token', async () => {
      const none = await register(endpoint('gated'), ok);
      assert.equal(none.status, 401);
      assert.equal(none.body.error, 'invalid_token');
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer /);
      const unknown = await register(endpoint('gated'), ok, { authorization: 'Bearer pxia_unknown' });
      assert.equal(unknown.status, 401);
    });

    it('an admin creates one (shown once, stored hashed); it allows max_uses registrations, then is used up', async () => {
      const created = await api(s.url, 'POST', tokensPath, adminToken, { name: 'partner', max_uses: 2 });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const token = created.body.token as string;
      assert.match(token, /^pxia_/);
      const listed = await api(s.url, 'GET', tokensPath, adminToken);
      assert.equal(listed.body.items[0].token, undefined);
      assert.equal(listed.body.items[0].display_prefix, token.slice(0, 9));
      const auth = { authorization: `Bearer ${token}` };
      assert.equal((await register(endpoint('gated'), ok, auth)).status, 201);
      assert.equal((await register(endpoint('gated'), ok, auth)).status, 201);
      const third = await register(endpoint('gated'), ok, auth);
      assert.equal(third.status, 401);
      assert.match(third.body.error_description, /used as many times/);
      const after = await api(s.url, 'GET', tokensPath, adminToken);
      assert.equal(after.body.items.find((t: any) => t.id === created.body.id).status, 'used_up');
      // An initial access token of one server is not one of another's.
      assert.equal((await register(endpoint('capped'), ok, auth)).status, 201, 'open servers ignore it');
    });

    it('an expired or revoked initial access token is refused', async () => {
      const expiring = await api(s.url, 'POST', tokensPath, adminToken, {
        max_uses: 5, expires_at: new Date((clock.now() + 60) * 1000).toISOString(),
      });
      const revoked = await api(s.url, 'POST', tokensPath, adminToken, { max_uses: 5 });
      assert.equal((await api(s.url, 'DELETE', `${tokensPath}/${revoked.body.id}`, adminToken)).status, 204);
      const r1 = await register(endpoint('gated'), ok, { authorization: `Bearer ${revoked.body.token}` });
      assert.equal(r1.status, 401);
      assert.match(r1.body.error_description, /revoked/);
      clock.advance(120);
      const r2 = await register(endpoint('gated'), ok, { authorization: `Bearer ${expiring.body.token}` });
      assert.equal(r2.status, 401);
      assert.match(r2.body.error_description, /expired/);
    });
  });

  it('the cap: registrations beyond maxDynamicClients are refused with 403', async () => {
    // One was registered on "capped" above with the gated token test, or register it now.
    await register(endpoint('capped'), ok);
    const r = await register(endpoint('capped'), ok);
    assert.equal(r.status, 403);
    assert.equal(r.body.error, 'access_denied');
    assert.match(r.body.error_description, /maximum of 1 dynamically registered clients/);
  });

  it('admin API: dynamic clients are marked, filtered with ?dynamic=true and deleted; the audit log and metrics record registrations', async () => {
    const r = await register(endpoint(), ok);
    const all = await api(s.url, 'GET', '/api/admin/default/clients?authorization_server_id=default&limit=200', adminToken);
    assert.ok(all.body.items.some((c: any) => c.client_id === 'app-public' && c.dynamic === false));
    const dynamic = await api(s.url, 'GET', '/api/admin/default/clients?dynamic=true&limit=200', adminToken);
    assert.ok(dynamic.body.items.length > 0);
    assert.ok(dynamic.body.items.every((c: any) => c.dynamic === true));
    assert.ok(dynamic.body.items.some((c: any) => c.client_id === r.body.client_id));
    const fixed = await api(s.url, 'GET', '/api/admin/default/clients?dynamic=false&limit=200', adminToken);
    assert.ok(fixed.body.items.every((c: any) => c.dynamic === false));
    assert.equal((await api(s.url, 'DELETE', `/api/admin/default/servers/default/clients/${r.body.client_id}`, adminToken)).status, 204);
    assert.equal((await call('GET', r.body.registration_client_uri, r.body.registration_access_token)).status, 401);

    const audit = await api(s.url, 'GET', '/api/admin/default/audit-log?limit=200', adminToken);
    const entry = audit.body.items.find((e: any) => e.action === 'client.register' && e.target === `default/${r.body.client_id}`);
    assert.ok(entry, 'client.register is in the audit log');
    assert.equal(JSON.stringify(entry).includes(r.body.registration_access_token), false);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /pixie_client_registrations_total\{result="registered"\} \d+/);
    assert.match(metrics, /pixie_client_registrations_total\{result="refused"\} \d+/);
  });

  it('admin API and import: the registration settings are shown and changed', async () => {
    const shown = await api(s.url, 'GET', '/api/admin/default/servers/gated', adminToken);
    assert.equal(shown.body.settings.registration, 'token');
    const changed = await api(s.url, 'PATCH', '/api/admin/default/servers/closed', adminToken, {
      registration: 'open', maxDynamicClients: 5, dynamicClientIdleDays: 7, clientIdMetadataDocuments: true,
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.settings.maxDynamicClients, 5);
    const bad = await api(s.url, 'PATCH', '/api/admin/default/servers/closed', adminToken, { registration: 'anyone' });
    assert.equal(bad.status, 400);
    await api(s.url, 'PATCH', '/api/admin/default/servers/closed', adminToken, { registration: 'off', clientIdMetadataDocuments: false });
  });

  it('an unused dynamic client is deleted by the purge after dynamicClientIdleDays; a used one is kept', async () => {
    const idle = await register(endpoint(), ok);
    const used = await register(endpoint(), { ...ok, token_endpoint_auth_method: 'none' });
    clock.advance(6 * 86400);
    // Using it (an authorization request) pushes its expiry back.
    const { challenge } = pkce();
    const res = await fetch(`${s.issuer}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: used.body.client_id, redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256',
    })}`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    clock.advance(5 * 86400);
    const counts = await purgeOnce(s.deps.stores, clock);
    assert.ok(counts && counts.dynamicClients >= 1);
    assert.equal(await s.deps.stores.clients.find('default', 'default', idle.body.client_id), null);
    assert.ok(await s.deps.stores.clients.find('default', 'default', used.body.client_id));
  });
});

describe('registration rate limit per IP', () => {
  it(`the ${3 + 1}th registration from one address within the hour is refused with 429`, async () => {
    const s = await startTestServer({ imports: [FIXTURE, REGISTRATION], config: { registrationsPerIp: 3 } });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await register(`${s.issuer}/oauth2/register`, { redirect_uris: [CALLBACK] })).status, 201);
      const r = await register(`${s.issuer}/oauth2/register`, { redirect_uris: [CALLBACK] });
      assert.equal(r.status, 429);
      assert.match(r.body.message, /too many client registrations/);
      assert.ok(r.headers.get('retry-after'));
    } finally {
      await s.close();
    }
  });
});
