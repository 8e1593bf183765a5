/**
 * @pixie-auth/verify with DPoP against a real Pixie and a real client: openid-client 6 gets
 * DPoP-bound tokens from Pixie (JWT and opaque, client_credentials) and calls a Fastify API
 * guarded by `fastifyAuth` with `fetchProtectedResource`, which sends `Authorization: DPoP` and a
 * proof, and follows the API's own nonce (`use_dpop_nonce`, RFC 9449 §9) by itself.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import * as client from 'openid-client';
import { createVerifier, fastifyAuth, rotatingNonces, type FastifyLikeRequest, type Verifier } from '../../packages/verify/src/index.js';
import { API_CLIENT, API_SECRET, OPAQUE_SUFFIX, startClientToolsServer, type ClientToolsServer } from '../helpers/client-tools.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET } from '../helpers/fixture.js';

let t: ClientToolsServer;
let api: FastifyInstance;
let apiUrl = '';
let opaqueIssuer = '';

before(async () => {
  t = await startClientToolsServer();
  opaqueIssuer = t.server.issuer.replace(/\/default$/, '/opaque');
  const jwt = createVerifier({ issuer: t.server.issuer });
  const opaque = createVerifier({ issuer: opaqueIssuer, introspection: { clientId: API_CLIENT, clientSecret: API_SECRET + OPAQUE_SUFFIX } });
  const withNonce = createVerifier({ issuer: t.server.issuer, dpop: { nonce: rotatingNonces({ secret: 'the-api-nonce-secret-of-32-chars' }) } });
  api = Fastify();
  const route = (path: string, v: Verifier) => api.get(path, { preHandler: fastifyAuth(v, { scopes: ['read_inbox'] }) }, async (request) => {
    const auth = (request as FastifyLikeRequest).auth!;
    return { client: auth.clientId, jkt: auth.dpopJkt, method: auth.method };
  });
  route('/jwt', jwt);
  route('/opaque', opaque);
  route('/nonce', withNonce);
  await api.listen({ port: 0, host: '127.0.0.1' });
  apiUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
});
after(async () => {
  await Promise.all([api.close(), t.server.close()]);
});

async function configFor(issuer: string, secret: string): Promise<client.Configuration> {
  return client.discovery(new URL(issuer), CONFIDENTIAL_CLIENT, { client_secret: secret }, client.ClientSecretBasic(secret), { execute: [client.allowInsecureRequests] });
}

describe('openid-client 6 → Pixie → an API with @pixie-auth/verify', () => {
  for (const [kind, path, secretSuffix] of [['JWT', '/jwt', ''], ['opaque (introspected)', '/opaque', OPAQUE_SUFFIX]] as const) {
    it(`a DPoP-bound ${kind} token works with its proof, not as a Bearer token`, async () => {
      const config = await configFor(path === '/jwt' ? t.server.issuer : opaqueIssuer, CONFIDENTIAL_SECRET + secretSuffix);
      const keyPair = await client.randomDPoPKeyPair('ES256');
      const DPoP = client.getDPoPHandle(config, keyPair);
      const tokens = await client.clientCredentialsGrant(config, { scope: 'read_inbox' }, { DPoP });
      assert.equal(tokens.token_type, 'dpop');
      const res = await client.fetchProtectedResource(config, tokens.access_token, new URL(apiUrl + path), 'GET', undefined, undefined, { DPoP });
      assert.equal(res.status, 200);
      const body = await res.json() as { client: string; jkt: string; method: string };
      assert.equal(body.client, CONFIDENTIAL_CLIENT);
      assert.equal(body.method, path === '/jwt' ? 'jwt' : 'introspection');
      assert.ok(body.jkt);

      const bearer = await fetch(apiUrl + path, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(bearer.status, 401);
      assert.match(bearer.headers.get('www-authenticate')!, /^DPoP realm="api", error="invalid_token", error_description="[^"]+", algs="ES256 EdDSA Ed25519 RS256 PS256"$/);
      const noProof = await fetch(apiUrl + path, { headers: { authorization: `DPoP ${tokens.access_token}` } });
      assert.equal(noProof.status, 401);
      assert.match(noProof.headers.get('www-authenticate')!, /error="invalid_dpop_proof"/);
    });
  }

  it('an API that requires its own nonce: openid-client retries with the DPoP-Nonce it was given', async () => {
    const config = await configFor(t.server.issuer, CONFIDENTIAL_SECRET);
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('EdDSA'));
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read_inbox' }, { DPoP });
    const first = await fetch(`${apiUrl}/nonce`, { headers: { authorization: `DPoP ${tokens.access_token}` } });
    assert.equal(first.status, 401, 'sanity: without a proof');
    const res = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${apiUrl}/nonce`), 'GET', undefined, undefined, { DPoP });
    assert.equal(res.status, 200);
    assert.equal((await res.json() as { client: string }).client, CONFIDENTIAL_CLIENT);
  });
});
