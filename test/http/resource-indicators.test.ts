/**
 * Resource indicators (RFC 8707): `resource` on authorize, code exchange, refresh and
 * client_credentials binds the access token's `aud`; bad values are `invalid_target`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import type { ImportFileData } from '../../src/import/schema.js';
import { CONFIDENTIAL_CLIENT, FIXTURE, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { basic, introspect, postForm, tokenRequest } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { clientToken, SYSTEM_SECRET } from '../admin/helpers.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const API = 'https://api.example.com/';
const MCP = 'https://mcp.example.com/mcp';

function withResources(): ImportFileData {
  const file = structuredClone(FIXTURE);
  const server = file.tenants[0]!.servers![0]!;
  server.resources = [
    { uri: API, scopes: ['read_inbox', 'write_access'] },
    { uri: MCP, scopes: ['read_inbox'], accessTokenTtl: 600 },
  ];
  file.tenants[0]!.servers!.push({
    id: 'open', resourcePolicy: 'any-https',
    clients: [{
      client_id: 'svc', client_name: 'Service', public: false, grant_types: ['client_credentials'], scopes: ['read_inbox'],
      client_secret: 'pxs_service-secret-for-any-https',
    }],
  });
  return file;
}

let s: TestServer;
before(async () => { s = await startTestServer({ imports: [withResources()], adminClientSecret: SYSTEM_SECRET }); });
after(async () => { await s.close(); });

function authorizeUrl(resources: string[], scope = 'openid offline_access read_inbox'): { url: string; verifier: string } {
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({
    response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope, state: 'st',
    code_challenge: challenge, code_challenge_method: 'S256',
  });
  for (const r of resources) q.append('resource', r);
  return { url: `${s.issuer}/oauth2/authorize?${q}`, verifier };
}

/** Send the authorization request through login and consent; the redirect back to the client. */
async function authorize(resources: string[], scope?: string): Promise<{ back: URL; verifier: string }> {
  const { url, verifier } = authorizeUrl(resources, scope);
  return { back: await new UserAgent(s.url).authorize(url, USER), verifier };
}

async function exchange(resources: string[], tokenResources: string[] = []): Promise<Record<string, string | number>> {
  const { back, verifier } = await authorize(resources);
  const code = back.searchParams.get('code');
  assert.ok(code, `no code in ${back}`);
  const form = new URLSearchParams({ grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
  for (const r of tokenResources) form.append('resource', r);
  const res = await fetch(`${s.issuer}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  const body = await res.json() as Record<string, string | number>;
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

async function refresh(token: string, resources: string[]): Promise<Response> {
  const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: token });
  for (const r of resources) form.append('resource', r);
  return fetch(`${s.issuer}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
}

describe('resource indicators: invalid_target at the authorization endpoint', () => {
  for (const [name, value] of [
    ['a fragment', 'https://api.example.com/#frag'],
    ['a relative URI', '/api'],
    ['a resource the server does not list', 'https://other.example.com/'],
  ] as const) {
    it(`redirects invalid_target for ${name}`, async () => {
      const { url } = authorizeUrl([value]);
      const res = await fetch(url, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const back = new URL(res.headers.get('location')!);
      assert.equal(`${back.origin}${back.pathname}`, REDIRECT_URI);
      assert.equal(back.searchParams.get('error'), 'invalid_target');
      assert.equal(back.searchParams.get('state'), 'st');
      assert.match(back.searchParams.get('error_description') ?? '', /resource/);
    });
  }

  it('invalid_scope for a scope none of the requested resources accepts', async () => {
    const { url } = authorizeUrl([MCP], 'openid write_access');
    const res = await fetch(url, { redirect: 'manual' });
    const back = new URL(res.headers.get('location')!);
    assert.equal(back.searchParams.get('error'), 'invalid_scope');
  });
});

describe('resource indicators: consent', () => {
  it('the consent page names the resources the token will be for', async () => {
    const ua = new UserAgent(s.url);
    const { url } = authorizeUrl([MCP, API]);
    let res = await ua.get(url);
    const login = await ua.get(res.headers.get('location')!);
    res = await ua.post('/login', { ...UserAgent.fields(await login.text()), username: USER.username, password: USER.password });
    const consent = await ua.get(res.headers.get('location')!);
    const page = await consent.text();
    assert.match(page, /Only at: <code>https:\/\/mcp\.example\.com\/mcp<\/code> <code>https:\/\/api\.example\.com\/<\/code>/);
  });
});

describe('resource indicators: aud of the access token', () => {
  it('is the requested resources, in the JWT and in introspection', async () => {
    const tokens = await exchange([API, MCP]);
    const claims = decodeJwt(String(tokens.access_token));
    assert.deepEqual(claims.aud, [API, MCP]);
    const info = await introspect(s, String(tokens.access_token));
    assert.equal(info.active, true);
    assert.deepEqual(info.aud, [API, MCP]);
  });

  it('the token request may narrow the code\'s resources; the resource\'s own lifetime applies', async () => {
    const tokens = await exchange([API, MCP], [MCP]);
    assert.equal(decodeJwt(String(tokens.access_token)).aud, MCP);
    assert.equal(tokens.expires_in, 600);
  });

  it('the token request may not name a resource the authorization request did not', async () => {
    const { back, verifier } = await authorize([MCP]);
    const form = new URLSearchParams({
      grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code: back.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: verifier,
      resource: API,
    });
    const res = await fetch(`${s.issuer}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error, 'invalid_target');
  });

  it('without resource, the token is for the whole server as before (aud is the issuer, none in introspection)', async () => {
    const tokens = await exchange([]);
    assert.equal(decodeJwt(String(tokens.access_token)).aud, s.issuer);
    assert.equal(tokens.expires_in, 3600);
    assert.equal((await introspect(s, String(tokens.access_token))).aud, undefined);
  });
});

describe('resource indicators: refresh', () => {
  it('may narrow the resources', async () => {
    const tokens = await exchange([API, MCP]);
    const res = await refresh(String(tokens.refresh_token), [API]);
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(decodeJwt(body.access_token).aud, API);
    // The new refresh token still carries the whole grant: the next refresh may ask for the other one.
    const again = await refresh(body.refresh_token, [MCP]);
    assert.equal(again.status, 200);
    assert.equal(decodeJwt((await again.json()).access_token).aud, MCP);
  });

  it('never widens them: invalid_target, and the refresh token stays usable', async () => {
    const tokens = await exchange([MCP]);
    const wider = await refresh(String(tokens.refresh_token), [MCP, API]);
    assert.equal(wider.status, 400);
    const error = await wider.json();
    assert.equal(error.error, 'invalid_target');
    assert.match(error.error_description, /not granted/);
    const ok = await refresh(String(tokens.refresh_token), []);
    const body = await ok.json();
    assert.equal(ok.status, 200, JSON.stringify(body));
    assert.equal(decodeJwt(body.access_token).aud, MCP);
  });

  it('a grant made without resources cannot gain one on refresh', async () => {
    const tokens = await exchange([]);
    const res = await refresh(String(tokens.refresh_token), [API]);
    assert.equal((await res.json()).error, 'invalid_target');
  });
});

describe('resource indicators: client_credentials', () => {
  it('binds aud to the resource', async () => {
    const res = await tokenRequest(s, { grant_type: 'client_credentials', scope: 'read_inbox', resource: API }, { authorization: basic() });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(decodeJwt(body.access_token).aud, API);
  });

  for (const [name, value] of [['a fragment', `${API}#x`], ['a relative URI', 'api'], ['an unlisted resource', 'https://other.example.com/']] as const) {
    it(`invalid_target (400) for ${name}`, async () => {
      const res = await tokenRequest(s, { grant_type: 'client_credentials', scope: 'read_inbox', resource: value }, { authorization: basic(CONFIDENTIAL_CLIENT) });
      assert.equal(res.status, 400);
      assert.equal((await res.json()).error, 'invalid_target');
    });
  }

  it('any-https: an unlisted https resource is accepted, plain http on a public host is not', async () => {
    const url = `${s.url}/default/open/oauth2/token`;
    const auth = { authorization: basic('svc', 'pxs_service-secret-for-any-https') };
    const ok = await postForm(url, { grant_type: 'client_credentials', resource: 'https://anything.example.net/api' }, auth);
    const body = await ok.json();
    assert.equal(ok.status, 200, JSON.stringify(body));
    assert.equal(decodeJwt(body.access_token).aud, 'https://anything.example.net/api');
    const loopback = await postForm(url, { grant_type: 'client_credentials', resource: 'http://127.0.0.1:8080/mcp' }, auth);
    assert.equal(loopback.status, 200);
    const plain = await postForm(url, { grant_type: 'client_credentials', resource: 'http://api.example.net/' }, auth);
    assert.equal((await plain.json()).error, 'invalid_target');
  });
});

describe('resource indicators: settings', () => {
  it('the admin API refuses a resource URI with a fragment, naming the field', async () => {
    const token = await adminToken();
    const res = await fetch(`${s.url}/api/admin/default/servers/default`, {
      method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ resources: [{ uri: 'https://api.example.com/#x' }] }),
    });
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(await res.json()), /resources\.0\.uri/);
  });
});

function adminToken(): Promise<string> {
  return clientToken(s.url, 'system', { clientId: s.systemAdmin.clientId, secret: SYSTEM_SECRET });
}
