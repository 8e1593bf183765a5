/**
 * Pushed authorization requests (RFC 9126) with real clients: openid-client 6
 * (buildAuthorizationUrlWithPAR) and oauth4webapi (pushedAuthorizationRequest) complete the code
 * flow with PKCE; then every way a push or a request_uri is refused, with the RFC's error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import type { ImportFileData } from '../../src/import/schema.js';
import {
  CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, FIXTURE, POST_CLIENT, POST_SECRET, PUBLIC_CLIENT, REDIRECT_URI, USER,
} from '../helpers/fixture.js';
import { authorizeUrl, basic, postForm } from '../helpers/flow.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const PAR_ONLY_CLIENT = 'app-par-only';
const REQUEST_URI = /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/;

/** The fixture, plus a client that requires PAR and a server that requires it of every client. */
function withParRequirements(): ImportFileData {
  const data = structuredClone(FIXTURE);
  const tenant = data.tenants![0]!;
  tenant.servers![0]!.clients!.push({
    client_id: PAR_ONLY_CLIENT, public: true, grant_types: ['authorization_code'], redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: 'none', scopes: ['openid'], require_pushed_authorization_requests: true,
  });
  tenant.servers!.push({
    id: 'strict', requirePushedAuthorizationRequests: true,
    clients: [{ client_id: PUBLIC_CLIENT, public: true, grant_types: ['authorization_code'], redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', scopes: ['openid'] }],
  });
  return data;
}

const clock = new TestClock();
let s: TestServer;
before(async () => { s = await startTestServer({ imports: [withParRequirements()], clock }); });
after(async () => { await s.close(); });

const parUrl = (issuer = s.issuer) => `${issuer}/oauth2/par`;

/** Push an authorization request; `auth` is an Authorization header or nothing (client_id in the form). */
function push(form: Record<string, string>, auth?: string, issuer?: string, origin?: string): Promise<Response> {
  return postForm(parUrl(issuer), form, { ...(auth ? { authorization: auth } : {}), ...(origin ? { origin } : {}) });
}

function codeRequest(clientId: string, extra: Record<string, string> = {}): { form: Record<string, string>; verifier: string } {
  const { verifier, challenge } = pkce();
  return {
    verifier,
    form: {
      client_id: clientId, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', state: 'pushed-state',
      code_challenge: challenge, code_challenge_method: 'S256', ...extra,
    },
  };
}

async function pushedUri(form: Record<string, string>, auth?: string, issuer?: string): Promise<string> {
  const res = await push(form, auth, issuer);
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { request_uri: string }).request_uri;
}

const byReference = (clientId: string, requestUri: string, issuer = s.issuer) =>
  `${issuer}/oauth2/authorize?${new URLSearchParams({ client_id: clientId, request_uri: requestUri })}`;

/** GET an authorize URL without a session; the redirect (Location) or the page. */
async function open(url: string): Promise<{ status: number; location: URL | null; body: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, location: location ? new URL(location, s.url) : null, body: await res.text() };
}

async function jsonError(res: Response): Promise<{ error: string; error_description: string }> {
  return (await res.json()) as { error: string; error_description: string };
}

describe('RFC 9126 with openid-client 6', () => {
  const SECRETS: Record<string, string> = { [CONFIDENTIAL_CLIENT]: CONFIDENTIAL_SECRET, [POST_CLIENT]: POST_SECRET };
  for (const [clientId, auth] of [[PUBLIC_CLIENT, client.None()], [CONFIDENTIAL_CLIENT, client.ClientSecretBasic(CONFIDENTIAL_SECRET)]] as const) {
    it(`buildAuthorizationUrlWithPAR, sign-in and code exchange (${clientId})`, async () => {
      const metadata = SECRETS[clientId] ? { client_secret: SECRETS[clientId] } : {};
      const config = await client.discovery(new URL(s.issuer), clientId, metadata, auth, { execute: [client.allowInsecureRequests] });
      assert.equal(config.serverMetadata().pushed_authorization_request_endpoint, parUrl());
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const url = await client.buildAuthorizationUrlWithPAR(config, {
        redirect_uri: REDIRECT_URI, scope: 'openid offline_access', state,
        code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
      assert.match(url.searchParams.get('request_uri')!, REQUEST_URI);
      const callback = await new UserAgent(s.url).authorize(url.toString(), USER);
      assert.equal(callback.searchParams.get('state'), state);
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
      assert.ok(tokens.access_token);
      assert.ok(tokens.refresh_token, 'the pushed scope (offline_access) was granted');
      assert.equal(tokens.claims()!.aud, clientId);
    });
  }
});

describe('RFC 9126 with oauth4webapi', () => {
  it('pushedAuthorizationRequest (client_secret_post), sign-in and code exchange', async () => {
    const issuer = new URL(s.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }));
    const c: oauth.Client = { client_id: POST_CLIENT };
    const auth = oauth.ClientSecretPost(POST_SECRET);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const res = await oauth.pushedAuthorizationRequest(as, c, auth, {
      response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }, { [oauth.allowInsecureRequests]: true });
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const pushed = await oauth.processPushedAuthorizationResponse(as, c, res);
    assert.equal(pushed.expires_in, 60);
    assert.match(pushed.request_uri, REQUEST_URI);

    const callback = await new UserAgent(s.url).authorize(byReference(POST_CLIENT, pushed.request_uri), USER);
    const params = oauth.validateAuthResponse(as, c, callback, state);
    const tokenRes = await oauth.authorizationCodeGrantRequest(as, c, auth, params, REDIRECT_URI, verifier, { [oauth.allowInsecureRequests]: true });
    const tokens = await oauth.processAuthorizationCodeResponse(as, c, tokenRes);
    assert.ok(tokens.access_token);
    assert.equal(tokens.scope, 'openid');
  });
});

describe('RFC 9126 refusals', () => {
  it('answers 201 with a request_uri that lives 60 seconds, not cached', async () => {
    const res = await push(codeRequest(PUBLIC_CLIENT).form);
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['expires_in', 'request_uri']);
    assert.equal(body.expires_in, 60);
    assert.match(String(body.request_uri), REQUEST_URI);
  });

  it('§4: the pushed parameters are used; others on the query are ignored', async () => {
    const uri = await pushedUri(codeRequest(PUBLIC_CLIENT).form);
    const url = `${byReference(PUBLIC_CLIENT, uri)}&state=from-the-query&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&scope=write_access`;
    const callback = await new UserAgent(s.url).authorize(url, USER);
    assert.equal(callback.origin + callback.pathname, REDIRECT_URI);
    assert.equal(callback.searchParams.get('state'), 'pushed-state');
    assert.ok(callback.searchParams.get('code'));
  });

  it('§7.3: a request_uri is used once; the second use gets invalid_request_uri', async () => {
    const uri = await pushedUri(codeRequest(PUBLIC_CLIENT).form);
    const first = await open(byReference(PUBLIC_CLIENT, uri));
    assert.equal(first.status, 302);
    assert.equal(first.location?.pathname, '/login', 'the first use starts the sign-in');
    const second = await open(byReference(PUBLIC_CLIENT, uri));
    // The client registered one redirect URI: the error goes back to it, with iss.
    assert.equal(second.status, 302);
    assert.equal(second.location?.origin + second.location!.pathname, REDIRECT_URI);
    assert.equal(second.location?.searchParams.get('error'), 'invalid_request_uri');
    assert.equal(second.location?.searchParams.get('iss'), s.issuer);
  });

  it('§7.3: a used request_uri of a client with several redirect URIs is an error page', async () => {
    const uri = await pushedUri(codeRequest(CONFIDENTIAL_CLIENT).form, basic());
    assert.equal((await open(byReference(CONFIDENTIAL_CLIENT, uri))).location?.pathname, '/login');
    const again = await open(byReference(CONFIDENTIAL_CLIENT, uri));
    assert.equal(again.status, 400);
    assert.equal(again.location, null, 'not redirected: no redirect URI is certain');
    assert.match(again.body, /invalid_request_uri/);
  });

  it('§2.2: an expired request_uri gets invalid_request_uri', async () => {
    const uri = await pushedUri(codeRequest(PUBLIC_CLIENT).form);
    clock.advance(60);
    try {
      const res = await open(byReference(PUBLIC_CLIENT, uri));
      assert.equal(res.location?.searchParams.get('error'), 'invalid_request_uri');
    } finally {
      clock.advance(-60);
    }
  });

  it('§7.5: another client\'s request_uri gets invalid_request_uri, and stays its own client\'s', async () => {
    const uri = await pushedUri(codeRequest(PUBLIC_CLIENT).form);
    const swapped = await open(byReference(POST_CLIENT, uri));
    assert.equal(swapped.location?.searchParams.get('error'), 'invalid_request_uri');
    assert.equal(swapped.location?.searchParams.get('state'), null);
    assert.equal((await open(byReference(PUBLIC_CLIENT, uri))).location?.pathname, '/login', 'the owner can still use it');
  });

  it('an unknown or malformed request_uri gets invalid_request_uri', async () => {
    for (const uri of ['urn:ietf:params:oauth:request_uri:nothing-was-pushed-under-this-name', 'https://app.example.com/request.jwt']) {
      assert.equal((await open(byReference(PUBLIC_CLIENT, uri))).location?.searchParams.get('error'), 'invalid_request_uri', uri);
    }
  });

  it('§2.1: every authorization check is made at push time, with the error the authorization endpoint gives', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ redirect_uri: 'https://evil.example/cb' }, 'invalid_request'],
      [{ code_challenge: '' }, 'invalid_request'],
      [{ scope: 'openid admin_everything' }, 'invalid_scope'],
      [{ response_type: 'id_token' }, 'unsupported_response_type'],
      [{ prompt: 'sometimes' }, 'invalid_request'],
    ];
    for (const [change, error] of cases) {
      const { form } = codeRequest(PUBLIC_CLIENT, change);
      if (form.code_challenge === '') { delete form.code_challenge; delete form.code_challenge_method; }
      const res = await push(form);
      assert.equal(res.status, 400, JSON.stringify(change));
      assert.equal(res.headers.get('location'), null, 'never redirected');
      const pushed = await jsonError(res);
      assert.equal(pushed.error, error, JSON.stringify(change));
      // The same request at /authorize: a page before the redirect URI is trusted, a redirect after.
      const direct = await open(authorizeUrl(s, form));
      const description = direct.location?.searchParams.get('error_description')
        ?? direct.body.replace(/&quot;/g, '"').replace(/&#39;/g, '\'');
      assert.ok(description.includes(pushed.error_description), `${pushed.error_description} / ${description.slice(0, 200)}`);
    }
  });

  it('§2: a confidential client authenticates as at the token endpoint (401 invalid_client with a Basic challenge)', async () => {
    const { form } = codeRequest(CONFIDENTIAL_CLIENT);
    for (const auth of [undefined, basic(CONFIDENTIAL_CLIENT, 'pxs_wrong-secret')]) {
      const res = await push(form, auth);
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', new RegExp(`^Basic realm="${s.issuer}"`));
      assert.equal((await jsonError(res)).error, 'invalid_client');
    }
    const other = await push({ ...form, client_id: PUBLIC_CLIENT }, basic());
    assert.equal(other.status, 401, 'client_id in the body must be the authenticated client');
    assert.equal((await jsonError(other)).error, 'invalid_client');
  });

  it('§2.1: a request_uri in the push is refused', async () => {
    const uri = await pushedUri(codeRequest(PUBLIC_CLIENT).form);
    const res = await push({ ...codeRequest(PUBLIC_CLIENT).form, request_uri: uri });
    assert.equal(res.status, 400);
    const body = await jsonError(res);
    assert.equal(body.error, 'invalid_request');
    assert.match(body.error_description, /request_uri/);
  });

  it('takes only forms, each parameter once', async () => {
    const json = await fetch(parUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(codeRequest(PUBLIC_CLIENT).form) });
    assert.equal(json.status, 400);
    assert.equal((await jsonError(json)).error, 'invalid_request');
    const body = new URLSearchParams(codeRequest(PUBLIC_CLIENT).form);
    body.append('scope', 'openid');
    const twice = await fetch(parUrl(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    assert.equal(twice.status, 400);
    assert.match((await jsonError(twice)).error_description, /scope/);
  });

  it('§6: a client that requires PAR is refused a plain authorization request, and served a pushed one', async () => {
    const { form } = codeRequest(PAR_ONLY_CLIENT);
    const plain = await open(authorizeUrl(s, form));
    assert.equal(plain.location?.searchParams.get('error'), 'invalid_request');
    assert.equal(plain.location?.searchParams.get('error_description'), 'pushed authorization request required');
    assert.equal(plain.location?.searchParams.get('state'), 'pushed-state');
    const uri = await pushedUri(form);
    assert.equal((await open(byReference(PAR_ONLY_CLIENT, uri))).location?.pathname, '/login');
  });

  it('§5: a server that requires PAR refuses every plain authorization request, and says so in its metadata', async () => {
    const strict = `${s.url}/default/strict`;
    const meta = (await (await fetch(`${strict}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(meta.require_pushed_authorization_requests, true);
    assert.equal(meta.pushed_authorization_request_endpoint, `${strict}/oauth2/par`);
    const { form } = codeRequest(PUBLIC_CLIENT);
    const plain = await open(`${strict}/oauth2/authorize?${new URLSearchParams(form)}`);
    assert.equal(plain.location?.searchParams.get('error_description'), 'pushed authorization request required');
    const uri = await pushedUri(form, undefined, strict);
    assert.equal((await open(byReference(PUBLIC_CLIENT, uri, strict))).location?.pathname, '/login');
    // A request_uri belongs to the server it was pushed to.
    const elsewhere = await open(byReference(PUBLIC_CLIENT, await pushedUri(form, undefined, strict)));
    assert.equal(elsewhere.location?.searchParams.get('error'), 'invalid_request_uri');
  });

  it('CORS as at the token endpoint: only the client\'s origins read the answer', async () => {
    // The public client's loopback redirect URI allows that host on any port (RFC 8252 §7.3).
    const own = 'http://127.0.0.1:5173';
    const allowed = await push(codeRequest(PUBLIC_CLIENT).form, undefined, undefined, own);
    assert.equal(allowed.status, 201);
    assert.equal(allowed.headers.get('access-control-allow-origin'), own);
    assert.equal(allowed.headers.get('access-control-allow-credentials'), null);
    const other = await push(codeRequest(PUBLIC_CLIENT).form, undefined, undefined, 'https://evil.example');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const preflight = await fetch(parUrl(), {
      method: 'OPTIONS', headers: { origin: own, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), own);
  });

  it('the default server does not require PAR, and advertises its endpoint', async () => {
    const meta = (await (await fetch(`${s.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(meta.require_pushed_authorization_requests, false);
    assert.equal(meta.pushed_authorization_request_endpoint, parUrl());
  });
});

describe('RFC 9126 §2.3: pushes are capped per IP', () => {
  it('answers 429 with Retry-After once an address holds pendingSignInsPerIp live requests', async () => {
    const small = await startTestServer({ config: { pendingSignInsPerIp: 2 } });
    try {
      const pushTo = () => postForm(`${small.issuer}/oauth2/par`, codeRequest(PUBLIC_CLIENT).form);
      assert.equal((await pushTo()).status, 201);
      assert.equal((await pushTo()).status, 201);
      const refused = await pushTo();
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
    } finally {
      await small.close();
    }
  });
});

describe('RFC 9126 §2.3: methods', () => {
  it('answers another method than POST with 405 and Allow: POST', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(parUrl(), { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'POST');
      assert.equal((await res.json() as { error: string }).error, 'invalid_request');
    }
  });
});
