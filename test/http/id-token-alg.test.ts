/**
 * ID tokens are signed with the client's id_token_signed_response_alg: RS256 unless the client
 * registered ES256 or EdDSA (OIDC Registration), and discovery lists RS256 among the algs.
 * Access-token JWTs keep the server's ES256 key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { FIXTURE, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { authorizeUrl, exchange, getCode, tokenRequest } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const ES_CLIENT = 'app-es256';

describe('ID token signing algs', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      imports: [FIXTURE, { tenants: [{ id: 'default', servers: [{ id: 'default', clients: [{
        client_id: ES_CLIENT, public: true, grant_types: ['authorization_code'], redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none', scopes: ['openid'], id_token_signed_response_alg: 'ES256',
      }] }] }] }],
    });
  });
  after(() => s.close());

  const jwks = async () => createLocalJWKSet((await (await fetch(`${s.issuer}/.well-known/jwks.json`)).json()) as JSONWebKeySet);

  it('discovery lists RS256 first, then ES256 and EdDSA', async () => {
    const meta = (await (await fetch(`${s.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.deepEqual(meta.id_token_signing_alg_values_supported, ['RS256', 'ES256', 'EdDSA']);
  });

  it('a client with default metadata gets an RS256 ID token, verifiable with the JWKS; the access token stays ES256', async () => {
    const res = await exchange(s, await getCode(s, 'openid'));
    assert.equal(res.status, 200);
    const body = (await res.json()) as { id_token: string; access_token: string };
    assert.equal(decodeProtectedHeader(body.id_token).alg, 'RS256');
    assert.equal(decodeProtectedHeader(body.access_token).alg, 'ES256');
    const id = await jwtVerify(body.id_token, await jwks(), { issuer: s.issuer, audience: PUBLIC_CLIENT, algorithms: ['RS256'] });
    assert.equal(typeof id.payload.at_hash, 'string');
  });

  it('a client that registered ES256 gets an ES256 ID token', async () => {
    const { verifier, challenge } = pkce();
    const back = await new UserAgent(s.url).authorize(authorizeUrl(s, {
      client_id: ES_CLIENT, scope: 'openid', state: 'x', code_challenge: challenge, code_challenge_method: 'S256',
    }), USER);
    const res = await tokenRequest(s, {
      grant_type: 'authorization_code', client_id: ES_CLIENT, code: back.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: verifier,
    });
    const body = (await res.json()) as { id_token: string };
    assert.equal(decodeProtectedHeader(body.id_token).alg, 'ES256');
    await jwtVerify(body.id_token, await jwks(), { issuer: s.issuer, audience: ES_CLIENT, algorithms: ['ES256'] });
  });

  it('key rotation through the directory rotates both algs and keeps the old keys published', async () => {
    const before = (await (await fetch(`${s.issuer}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string; alg: string }> };
    assert.deepEqual(new Set(before.keys.map((k) => k.alg)), new Set(['ES256', 'RS256']));
    await s.deps.directory.rotateKeys('default', 'default');
    const afterRotation = (await (await fetch(`${s.issuer}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string; alg: string }> };
    assert.equal(afterRotation.keys.length, 4);
    for (const k of before.keys) assert.ok(afterRotation.keys.some((a) => a.kid === k.kid));
  });
});
