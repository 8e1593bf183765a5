/**
 * Error and metadata semantics of the token, introspection and revocation endpoints, over real
 * HTTP: every 401 carries `WWW-Authenticate: Basic realm="<issuer>"` (RFC 9110 §11.6.1, RFC 6749
 * §5.2) in the endpoint's own format; each client authenticates with the
 * token_endpoint_auth_method it registered; revocation answers `{}` as JSON (RFC 7009 §2.2);
 * discovery says what Pixie does and does not support.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import {
  CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, FIXTURE, POST_CLIENT, POST_SECRET, PUBLIC_CLIENT,
} from '../helpers/fixture.js';
import { basic, getCode, exchange, postForm } from '../helpers/flow.js';
import { ImportError, validateImport } from '../../src/import/validate.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => { s = await startTestServer(); });
after(async () => { await s.close(); });

type Format = 'json' | 'form';
interface Endpoint { name: string; path: () => string; form: Record<string, string>; format: Format }

/** Every endpoint where clients authenticate, with a request that needs nothing but authentication. */
const ENDPOINTS: Endpoint[] = [
  { name: '/oauth2/token', path: () => `${s.issuer}/oauth2/token`, form: { grant_type: 'client_credentials' }, format: 'json' },
  { name: '/oauth2/introspect', path: () => `${s.issuer}/oauth2/introspect`, form: { token: 'pxat_unknown' }, format: 'json' },
  { name: '/oauth2/revoke', path: () => `${s.issuer}/oauth2/revoke`, form: { token: 'pxat_unknown' }, format: 'json' },
  // Without a secret, the Stack Exchange code grant lets PKCE stand in; the refresh grant does not.
  { name: '/oauth/access_token', path: () => `${s.url}/oauth/access_token`, form: { grant_type: 'refresh_token', refresh_token: 'pxrt_x' }, format: 'form' },
  { name: '/oauth/access_token/json', path: () => `${s.url}/oauth/access_token/json`, form: { grant_type: 'refresh_token', refresh_token: 'pxrt_x' }, format: 'json' },
];

interface Attempt { name: string; form: Record<string, string>; headers?: Record<string, string>; says: RegExp }

/** Every way client authentication fails. */
const FAILURES: Attempt[] = [
  { name: 'Basic with a wrong secret', form: {}, headers: { authorization: basic(CONFIDENTIAL_CLIENT, 'pxs_wrong') }, says: /wrong or expired client secret/ },
  { name: 'client_secret_post with a wrong secret', form: { client_id: POST_CLIENT, client_secret: 'pxs_wrong' }, says: /wrong or expired client secret/ },
  { name: 'an unknown client (post)', form: { client_id: 'nobody', client_secret: 'pxs_x' }, says: /unknown client/ },
  { name: 'an unknown client (Basic)', form: {}, headers: { authorization: basic('nobody', 'pxs_x') }, says: /unknown client/ },
  { name: 'a confidential client without its secret', form: { client_id: CONFIDENTIAL_CLIENT }, says: /registered with token_endpoint_auth_method client_secret_basic/ },
  { name: 'no client at all', form: {}, says: /client_id is missing/ },
  { name: 'a malformed Basic header', form: {}, headers: { authorization: 'Basic bm8tY29sb24' }, says: /malformed Basic/ },
  { name: 'a basic client posting its (right) secret', form: { client_id: CONFIDENTIAL_CLIENT, client_secret: CONFIDENTIAL_SECRET }, says: /client_secret_basic but sent its secret with client_secret_post/ },
  { name: 'a post client using Basic (right secret)', form: {}, headers: { authorization: basic(POST_CLIENT, POST_SECRET) }, says: /client_secret_post but sent its secret with client_secret_basic/ },
  { name: 'a public client sending a secret', form: { client_id: PUBLIC_CLIENT, client_secret: 'pxs_anything' }, says: /public client/ },
];

async function call(e: Endpoint, a: Attempt): Promise<{ res: Response; body: Record<string, string> }> {
  const res = await postForm(e.path(), { ...e.form, ...a.form }, a.headers ?? {});
  const text = await res.text();
  const body = e.format === 'form' ? Object.fromEntries(new URLSearchParams(text)) : JSON.parse(text) as Record<string, string>;
  return { res, body };
}

describe('every 401 carries WWW-Authenticate: Basic realm="<issuer>"', () => {
  for (const e of ENDPOINTS) {
    for (const a of FAILURES) {
      it(`${e.name}: ${a.name} → 401 invalid_client with a Basic challenge`, async () => {
        const { res, body } = await call(e, a);
        assert.equal(res.status, 401);
        assert.equal(res.headers.get('www-authenticate'), `Basic realm="${s.issuer}", charset="UTF-8"`);
        assert.equal(res.headers.get('cache-control'), 'no-store');
        assert.match(res.headers.get('content-type') ?? '', e.format === 'form' ? /^application\/x-www-form-urlencoded/ : /^application\/json/);
        assert.equal(body.error, 'invalid_client');
        assert.match(body.error_description ?? '', a.says);
        // RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
        assert.match(body.error_description ?? '', /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/);
      });
    }
  }
});

describe('token_endpoint_auth_method is enforced', () => {
  it('tells the client what to send and the operator what to change', async () => {
    const { body } = await call(ENDPOINTS[0]!, FAILURES.find((f) => f.name.startsWith('a basic client posting'))!);
    assert.match(body.error_description!, /send client_id and client_secret in an Authorization: Basic header/);
    assert.match(body.error_description!, /change the client's token_endpoint_auth_method to client_secret_post/);
    const post = await call(ENDPOINTS[0]!, FAILURES.find((f) => f.name.startsWith('a post client using Basic'))!);
    assert.match(post.body.error_description!, /send client_id and client_secret in the form body/);
    assert.match(post.body.error_description!, /token_endpoint_auth_method to client_secret_basic/);
  });

  it('accepts each client with its registered method at every endpoint', async () => {
    const viaBasic = { authorization: basic(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET) };
    const viaPost = { client_id: POST_CLIENT, client_secret: POST_SECRET };
    for (const [form, headers] of [[{}, viaBasic], [viaPost, {}]] as const) {
      const token = await postForm(`${s.issuer}/oauth2/token`, { grant_type: 'client_credentials', scope: 'read_inbox', ...form }, headers);
      assert.equal(token.status, 200);
      const { access_token: accessToken } = await token.json() as { access_token: string };
      const active = await postForm(`${s.issuer}/oauth2/introspect`, { token: accessToken, ...form }, headers);
      assert.equal((await active.json() as { active: boolean }).active, true);
      const revoked = await postForm(`${s.issuer}/oauth2/revoke`, { token: accessToken, ...form }, headers);
      assert.equal(revoked.status, 200);
      const after = await postForm(`${s.issuer}/oauth2/introspect`, { token: accessToken, ...form }, headers);
      assert.equal((await after.json() as { active: boolean }).active, false);
    }
  });

  it('a public client sends client_id only; a Basic header with an empty secret is refused', async () => {
    const c = await getCode(s);
    const ok = await exchange(s, c);
    assert.equal(ok.status, 200);
    const { refresh_token: refreshToken } = await ok.json() as { refresh_token: string };
    const empty = await postForm(`${s.issuer}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: basic(PUBLIC_CLIENT, '') });
    assert.equal(empty.status, 401);
    assert.match((await empty.json() as { error_description: string }).error_description, /public client .* send client_id in the form body and no client secret/);
    const revoke = await postForm(`${s.issuer}/oauth2/revoke`, { token: refreshToken, client_id: PUBLIC_CLIENT });
    assert.equal(revoke.status, 200);
  });

  it('a confidential client stored with none by an earlier release is told what to change', async () => {
    const base = (await s.deps.stores.clients.find('default', 'default', CONFIDENTIAL_CLIENT))!;
    await s.deps.stores.clients.upsert({ ...base, clientId: 'legacy-none', tokenEndpointAuthMethod: 'none' }, s.deps.clock.now());
    for (const form of [{ client_id: 'legacy-none' }, { client_id: 'legacy-none', client_secret: 'pxs_whatever' }] as Record<string, string>[]) {
      const res = await postForm(`${s.issuer}/oauth2/token`, { grant_type: 'client_credentials', ...form });
      assert.equal(res.status, 401);
      assert.ok(res.headers.get('www-authenticate'));
      assert.match((await res.json() as { error_description: string }).error_description, /change it to client_secret_basic or client_secret_post/);
    }
  });

  it('Basic and client_secret together are one method too many: 400 invalid_request', async () => {
    const res = await postForm(`${s.issuer}/oauth2/token`, { grant_type: 'client_credentials', client_secret: CONFIDENTIAL_SECRET }, { authorization: basic() });
    assert.equal(res.status, 400);
    assert.equal((await res.json() as { error: string }).error, 'invalid_request');
  });
});

describe('import file: a method that contradicts public', () => {
  function problemsOf(client: Record<string, unknown>): string[] {
    try {
      validateImport({ tenants: [{ id: 'acme', servers: [{ id: 'main', clients: [{ client_id: 'app', grant_types: ['client_credentials'], ...client }] }] }] });
      return [];
    } catch (err) {
      assert.ok(err instanceof ImportError);
      return err.problems;
    }
  }

  it('is refused with its path, since the enforced method would lock the client out', () => {
    assert.deepEqual(problemsOf({ public: false, token_endpoint_auth_method: 'none', client_secret: 'pxs_long-enough' }), [
      '/tenants/0/servers/0/clients/0/token_endpoint_auth_method: must not be "none" for a confidential client (set "public": true, or choose client_secret_basic or client_secret_post)',
    ]);
    assert.deepEqual(problemsOf({ public: true, grant_types: ['authorization_code'], redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'client_secret_post' }), [
      '/tenants/0/servers/0/clients/0/token_endpoint_auth_method: must be "none" for a public client',
    ]);
    assert.deepEqual(problemsOf({ client_secret: 'pxs_long-enough', token_endpoint_auth_method: 'client_secret_post' }), []);
  });
});

describe('revocation answers 200 {} as JSON', () => {
  const cases: { name: string; token: () => Promise<string> }[] = [
    { name: 'a live token of the client', token: async () => {
      const res = await postForm(`${s.issuer}/oauth2/token`, { grant_type: 'client_credentials', scope: 'read_inbox' }, { authorization: basic() });
      return (await res.json() as { access_token: string }).access_token;
    } },
    { name: 'an unknown opaque token', token: async () => 'pxat_never-issued' },
    { name: 'something that is not a token at all', token: async () => 'not a token' },
  ];
  for (const c of cases) {
    it(`for ${c.name}`, async () => {
      const res = await postForm(`${s.issuer}/oauth2/revoke`, { token: await c.token() }, { authorization: basic() });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await res.json(), {});
    });
  }
});

describe('discovery', () => {
  it('publishes what Pixie supports, and what it does not where the default would say otherwise', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const meta = await (await fetch(`${s.issuer}${path}`)).json() as Record<string, unknown>;
      assert.equal(meta.request_parameter_supported, false);
      assert.equal(meta.request_uri_parameter_supported, false);
      assert.equal(meta.claims_parameter_supported, false);
      assert.equal(meta.frontchannel_logout_supported, false);
      assert.equal(meta.backchannel_logout_supported, false);
      assert.equal(meta.authorization_response_iss_parameter_supported, true);
      assert.deepEqual(meta.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none']);
      assert.deepEqual(meta.introspection_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
      assert.deepEqual(meta.revocation_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none']);
      assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(meta.response_types_supported, ['code', 'token']);
      assert.deepEqual(meta.response_modes_supported, ['query', 'fragment']);
      for (const grant of ['authorization_code', 'refresh_token', 'client_credentials', 'implicit', 'urn:pixie:grant-type:challenge-code']) {
        assert.ok((meta.grant_types_supported as string[]).includes(grant), grant);
      }
      assert.deepEqual(meta.subject_types_supported, ['public']);
      assert.deepEqual(meta.ui_locales_supported, ['en']);
      for (const claim of ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'name', 'preferred_username', 'email', 'email_verified']) {
        assert.ok((meta.claims_supported as string[]).includes(claim), claim);
      }
    }
  });

  it('lists plain PKCE only on a server that allows it', async () => {
    const doc = structuredClone(FIXTURE);
    doc.tenants[0]!.servers!.push({ id: 'plain', allowPlainPkce: true });
    const p = await startTestServer({ imports: [doc] });
    try {
      const plain = await (await fetch(`${p.url}/default/plain/.well-known/openid-configuration`)).json() as Record<string, unknown>;
      assert.deepEqual(plain.code_challenge_methods_supported, ['S256', 'plain']);
      const strict = await (await fetch(`${p.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
      assert.deepEqual(strict.code_challenge_methods_supported, ['S256']);
    } finally {
      await p.close();
    }
  });
});

describe('openid-client 6: each client with the method it registered', () => {
  async function configFor(clientId: string, auth: client.ClientAuth): Promise<client.Configuration> {
    return client.discovery(new URL(s.issuer), clientId, {}, auth, { execute: [client.allowInsecureRequests] });
  }

  const registered = [
    { name: 'client_secret_basic client with ClientSecretBasic', clientId: CONFIDENTIAL_CLIENT, auth: () => client.ClientSecretBasic(CONFIDENTIAL_SECRET) },
    { name: 'client_secret_post client with ClientSecretPost', clientId: POST_CLIENT, auth: () => client.ClientSecretPost(POST_SECRET) },
  ];
  for (const r of registered) {
    it(`${r.name}: client credentials, introspection and revocation work`, async () => {
      const config = await configFor(r.clientId, r.auth());
      const tokens = await client.clientCredentialsGrant(config, { scope: 'read_inbox' });
      assert.ok(tokens.access_token);
      const info = await client.tokenIntrospection(config, tokens.access_token);
      assert.equal(info.active, true);
      assert.equal(info.client_id, r.clientId);
      // openid-client reads the revocation answer; Pixie's is 200 {} as JSON.
      await client.tokenRevocation(config, tokens.access_token);
      assert.equal((await client.tokenIntrospection(config, tokens.access_token)).active, false);
    });
  }

  const crossed = [
    { name: 'client_secret_basic client with ClientSecretPost', clientId: CONFIDENTIAL_CLIENT, auth: () => client.ClientSecretPost(CONFIDENTIAL_SECRET), registered: 'client_secret_basic' },
    { name: 'client_secret_post client with ClientSecretBasic', clientId: POST_CLIENT, auth: () => client.ClientSecretBasic(POST_SECRET), registered: 'client_secret_post' },
  ];
  for (const c of crossed) {
    it(`${c.name}: a 401 challenge naming the registered method`, async () => {
      const config = await configFor(c.clientId, c.auth());
      const err = await client.clientCredentialsGrant(config, { scope: 'read_inbox' }).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof client.WWWAuthenticateChallengeError, `expected a 401 challenge, got ${String(err)}`);
      assert.equal(err.status, 401);
      assert.equal(err.cause[0]?.scheme, 'basic');
      assert.equal(err.cause[0]?.parameters.realm, s.issuer);
      const body = await err.response.json() as { error: string; error_description: string };
      assert.equal(body.error, 'invalid_client');
      assert.match(body.error_description, new RegExp(`registered with token_endpoint_auth_method ${c.registered}`));
    });
  }
});
