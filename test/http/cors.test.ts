/**
 * CORS over real HTTP: discovery and JWKS for any origin; token, revocation and userinfo only
 * for the origins of the request's client (its redirect URIs' origins, loopback with any port,
 * and its allowed_origins); preflights; Vary; and no CORS header on pages, introspection or the
 * admin API. test/browser/cors.test.ts checks what Chromium makes of it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ImportFileData } from '../../src/import/schema.js';
import { ADMIN, clientToken } from '../admin/helpers.js';
import { FIXTURE, PUBLIC_CLIENT } from '../helpers/fixture.js';
import { basic, exchange, getCode, postForm, tokenRequest } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SPA = 'spa';
const SPA_ORIGIN = 'https://spa.example.com';
const SPA_EXTRA_ORIGIN = 'https://spa-other.example.net';
const EVIL = 'https://evil.example';

const EXTRA: ImportFileData = {
  tenants: [{
    id: 'default',
    servers: [
      {
        id: 'default',
        clients: [{
          client_id: SPA, client_name: 'Single-page app', public: true, grant_types: ['authorization_code', 'refresh_token'],
          redirect_uris: [`${SPA_ORIGIN}/callback`, 'com.example.app:/callback'], allowed_origins: [SPA_EXTRA_ORIGIN],
          scopes: ['openid', 'profile'],
        }],
      },
      {
        id: 'second',
        clients: [{ client_id: SPA, public: true, grant_types: ['authorization_code'], redirect_uris: ['https://second.example.com/cb'] }],
      },
      { id: 'admin', clients: [{ client_id: ADMIN.clientId, client_secret: ADMIN.secret, grant_types: ['client_credentials'], scopes: ['manage_configuration'] }] },
    ],
  }],
};

let s: TestServer;
before(async () => { s = await startTestServer({ imports: [FIXTURE, EXTRA] }); });
after(async () => { await s.close(); });

function corsHeaders(res: Response): Record<string, string> {
  return Object.fromEntries([...res.headers].filter(([k]) => k.startsWith('access-control-')));
}

function assertVaryOrigin(res: Response, what: string): void {
  assert.match(res.headers.get('vary') ?? '', /(^|,\s*)Origin(,|$)/i, `${what}: Vary: Origin`);
}

function assertNoCors(res: Response, what: string): void {
  assert.deepEqual(corsHeaders(res), {}, `${what}: no CORS headers`);
}

function assertAllowed(res: Response, origin: string, what: string): void {
  assert.equal(res.headers.get('access-control-allow-origin'), origin, `${what}: ACAO`);
  assert.equal(res.headers.get('access-control-allow-credentials'), null, `${what}: no credentials`);
  assertVaryOrigin(res, what);
}

function preflight(url: string, origin: string, method = 'POST'): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' },
  });
}

function token(form: Record<string, string>, origin: string, headers: Record<string, string> = {}): Promise<Response> {
  return tokenRequest(s, form, { origin, ...headers });
}

const badCode = (clientId: string) => ({ grant_type: 'authorization_code', client_id: clientId, code: 'pxc_nope', redirect_uri: `${SPA_ORIGIN}/callback`, code_verifier: 'x'.repeat(43) });

describe('discovery and JWKS: any origin, no credentials', () => {
  const paths = () => [
    `${s.issuer}/.well-known/openid-configuration`,
    `${s.issuer}/.well-known/oauth-authorization-server`,
    `${s.url}/.well-known/oauth-authorization-server/default/default`,
    `${s.issuer}/.well-known/jwks.json`,
  ];

  it('answers GET and HEAD with Access-Control-Allow-Origin: *, with or without Origin', async () => {
    for (const url of paths()) {
      for (const method of ['GET', 'HEAD']) {
        const withOrigin = await fetch(url, { method, headers: { origin: EVIL } });
        assert.equal(withOrigin.status, 200, url);
        assert.equal(withOrigin.headers.get('access-control-allow-origin'), '*', `${method} ${url}`);
        assert.equal(withOrigin.headers.get('access-control-allow-credentials'), null, url);
        assertVaryOrigin(withOrigin, url);
      }
      assert.equal((await fetch(url)).headers.get('access-control-allow-origin'), '*', url);
    }
  });

  it('answers preflights with 204, GET and HEAD only', async () => {
    for (const url of paths()) {
      const res = await preflight(url, EVIL, 'GET');
      assert.equal(res.status, 204, url);
      assert.deepEqual(corsHeaders(res), {
        'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD',
        'access-control-allow-headers': 'Authorization, Content-Type, DPoP', 'access-control-max-age': '600',
      }, url);
      assertVaryOrigin(res, url);
    }
  });

  it('keeps the header on errors (unknown server)', async () => {
    const res = await fetch(`${s.url}/default/nope/.well-known/openid-configuration`, { headers: { origin: EVIL } });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
  });
});

describe('token endpoint: the origins of the request\'s client only', () => {
  it('allows the origin of a registered redirect URI, on success too', async () => {
    // app-public registered http://127.0.0.1/callback: any loopback port is its origin.
    const code = await getCode(s, 'openid');
    const res = await tokenRequest(s, {
      grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code: code.code, redirect_uri: 'http://127.0.0.1/callback', code_verifier: code.verifier,
    }, { origin: 'http://127.0.0.1:5173' });
    assert.equal(res.status, 200);
    assertAllowed(res, 'http://127.0.0.1:5173', 'token success');
    assert.equal(res.headers.get('access-control-expose-headers'), 'WWW-Authenticate, DPoP-Nonce');

    const https = await token(badCode(SPA), SPA_ORIGIN);
    assert.equal(https.status, 400);
    assertAllowed(https, SPA_ORIGIN, 'error for a known client');
  });

  it('allows an origin from allowed_origins', async () => {
    assertAllowed(await token(badCode(SPA), SPA_EXTRA_ORIGIN), SPA_EXTRA_ORIGIN, 'allowed_origins');
  });

  it('gives an unlisted origin no CORS header at all, but still Vary: Origin', async () => {
    for (const origin of [EVIL, 'null', `${SPA_ORIGIN}:8443`, 'http://spa.example.com', `${SPA_ORIGIN}/`, 'http://127.0.0.1:*']) {
      const res = await token(badCode(SPA), origin);
      assertNoCors(res, origin);
      assertVaryOrigin(res, origin);
    }
    assertVaryOrigin(await tokenRequest(s, badCode(SPA)), 'no Origin');
  });

  it('holds the actual request to its own client: another client\'s origin gets nothing', async () => {
    // spa.example.com passes the preflight (client spa allows it) but app-public does not.
    assert.equal((await preflight(`${s.issuer}/oauth2/token`, SPA_ORIGIN)).headers.get('access-control-allow-origin'), SPA_ORIGIN);
    assertNoCors(await token(badCode(PUBLIC_CLIENT), SPA_ORIGIN), 'other client (client_id)');
    // Basic authentication names the client too.
    const viaBasic = await token({ grant_type: 'client_credentials' }, SPA_ORIGIN, { authorization: basic() });
    assert.equal(viaBasic.status, 200);
    assertNoCors(viaBasic, 'other client (Basic)');
    const own = await token({ grant_type: 'client_credentials' }, 'https://app.example.com', { authorization: basic() });
    assertAllowed(own, 'https://app.example.com', 'Basic client, own origin');
  });

  it('lets an allowed origin read the error for an unknown or missing client, never an unlisted one', async () => {
    assertAllowed(await token(badCode('no-such-client'), SPA_ORIGIN), SPA_ORIGIN, 'unknown client');
    assertAllowed(await token({ grant_type: 'authorization_code' }, SPA_ORIGIN), SPA_ORIGIN, 'no client_id');
    assertNoCors(await token(badCode('no-such-client'), EVIL), 'unknown client, unlisted origin');
  });

  it('answers preflights for an origin some client of this server allows, and only this server', async () => {
    const ok = await preflight(`${s.issuer}/oauth2/token`, SPA_EXTRA_ORIGIN);
    assert.equal(ok.status, 204);
    assert.deepEqual(corsHeaders(ok), {
      'access-control-allow-origin': SPA_EXTRA_ORIGIN, 'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'Authorization, Content-Type, DPoP', 'access-control-max-age': '600',
    });
    assertVaryOrigin(ok, 'preflight');
    const evil = await preflight(`${s.issuer}/oauth2/token`, EVIL);
    assert.equal(evil.status, 204);
    assertNoCors(evil, 'preflight, unlisted origin');
    assertVaryOrigin(evil, 'preflight, unlisted origin');
    // Allowed on default/default, not on default/second.
    assertNoCors(await preflight(`${s.url}/default/second/oauth2/token`, SPA_ORIGIN), 'other server');
    assertNoCors(await preflight(`${s.url}/default/nope/oauth2/token`, SPA_ORIGIN), 'unknown server');
  });

  it('sees a client\'s new allowed origin at once after an admin API change', async () => {
    const origin = 'https://added-later.example.org';
    assertNoCors(await preflight(`${s.issuer}/oauth2/token`, origin), 'before');
    const admin = await clientToken(s.url, 'default', ADMIN);
    const res = await fetch(`${s.url}/api/admin/default/servers/default/clients/${SPA}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ allowed_origins: [SPA_EXTRA_ORIGIN, origin] }),
    });
    assert.equal(res.status, 200, await res.text());
    assert.equal((await preflight(`${s.issuer}/oauth2/token`, origin)).headers.get('access-control-allow-origin'), origin);
    assertAllowed(await token(badCode(SPA), origin), origin, 'after');
  });
});

describe('revocation', () => {
  it('follows the client\'s origins like the token endpoint', async () => {
    const url = `${s.issuer}/oauth2/revoke`;
    const ok = await postForm(url, { token: 'pxat_whatever', client_id: SPA }, { origin: SPA_ORIGIN });
    assert.equal(ok.status, 200);
    assertAllowed(ok, SPA_ORIGIN, 'revoke');
    assertNoCors(await postForm(url, { token: 'pxat_whatever', client_id: SPA }, { origin: EVIL }), 'revoke, unlisted');
    assertNoCors(await postForm(url, { token: 'pxat_whatever', client_id: PUBLIC_CLIENT }, { origin: SPA_ORIGIN }), 'revoke, other client');
    const pre = await preflight(url, SPA_ORIGIN);
    assert.equal(pre.headers.get('access-control-allow-origin'), SPA_ORIGIN);
    assert.equal(pre.headers.get('access-control-allow-methods'), 'POST');
  });
});

describe('userinfo: the origins of the access token\'s client', () => {
  let accessToken: string;
  before(async () => {
    const res = await exchange(s, await getCode(s, 'openid profile'));
    accessToken = ((await res.json()) as { access_token: string }).access_token;
  });

  it('lets the token\'s client\'s origin read the claims, by GET and POST', async () => {
    const origin = 'http://127.0.0.1:4321';
    const get = await fetch(`${s.issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}`, origin } });
    assert.equal(get.status, 200);
    assertAllowed(get, origin, 'GET userinfo');
    const post = await postForm(`${s.issuer}/userinfo`, { access_token: accessToken }, { origin });
    assert.equal(post.status, 200);
    assertAllowed(post, origin, 'POST userinfo');
  });

  it('refuses an origin of another client of the server, and an unlisted one', async () => {
    for (const origin of [SPA_ORIGIN, EVIL]) {
      const res = await fetch(`${s.issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}`, origin } });
      assert.equal(res.status, 200);
      assertNoCors(res, origin);
      assertVaryOrigin(res, origin);
    }
  });

  it('lets an allowed origin read the 401 for an unknown token, with WWW-Authenticate exposed', async () => {
    const res = await fetch(`${s.issuer}/userinfo`, { headers: { authorization: 'Bearer pxat_unknown', origin: SPA_ORIGIN } });
    assert.equal(res.status, 401);
    assertAllowed(res, SPA_ORIGIN, 'unknown token');
    assert.equal(res.headers.get('access-control-expose-headers'), 'WWW-Authenticate, DPoP-Nonce');
    assertNoCors(await fetch(`${s.issuer}/userinfo`, { headers: { authorization: 'Bearer pxat_unknown', origin: EVIL } }), 'unlisted');
  });

  it('answers the preflight with GET and POST', async () => {
    const res = await preflight(`${s.issuer}/userinfo`, 'http://127.0.0.1:4321', 'GET');
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://127.0.0.1:4321');
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET, POST');
    assert.equal(res.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, DPoP');
  });
});

describe('no CORS anywhere else', () => {
  it('introspection: none, and no preflight', async () => {
    const res = await postForm(`${s.issuer}/oauth2/introspect`, { token: 'pxat_x' }, { authorization: basic(), origin: 'https://app.example.com' });
    assert.equal(res.status, 200);
    assertNoCors(res, 'introspect');
    const pre = await preflight(`${s.issuer}/oauth2/introspect`, 'https://app.example.com');
    assertNoCors(pre, 'introspect preflight');
    assert.notEqual(pre.status, 204);
  });

  it('pages, the Stack Exchange endpoints and the admin API: none, whatever the Origin', async () => {
    const authorize = `${s.issuer}/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: SPA, redirect_uri: `${SPA_ORIGIN}/callback`, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`;
    const urls = [
      authorize, `${s.url}/oauth?client_id=${SPA}`, `${s.url}/oauth/dialog?client_id=${SPA}`, `${s.url}/oauth/access_token`,
      `${s.url}/oauth/login_success`, `${s.url}/login`, `${s.url}/consent`, `${s.url}/logout`, `${s.url}/apps`, `${s.url}/apps/new`,
      `${s.url}/account`, `${s.url}/pkce`, `${s.url}/api/admin/default/clients`, `${s.url}/api/openapi.json`, `${s.url}/healthz`,
    ];
    for (const url of urls) {
      for (const origin of [SPA_ORIGIN, 'http://127.0.0.1:9999', EVIL]) {
        const get = await fetch(url, { headers: { origin }, redirect: 'manual' });
        assertNoCors(get, `GET ${url}`);
        const post = await fetch(url, { method: 'POST', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b', redirect: 'manual' });
        assertNoCors(post, `POST ${url}`);
        const pre = await preflight(url, origin);
        assertNoCors(pre, `OPTIONS ${url}`);
      }
    }
  });
});
