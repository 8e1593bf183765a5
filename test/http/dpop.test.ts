/**
 * DPoP (RFC 9449) against a real Pixie: openid-client 6 and oauth4webapi bind tokens to their
 * keys through the code flow, client credentials, refresh and userinfo; hand-made proofs show
 * each refusal with the RFC's error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import * as client from 'openid-client';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { basic, tokenRequest } from '../helpers/flow.js';
import { jwtClaims, makeProof, proofKey } from '../helpers/dpop.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

let s: TestServer;
before(async () => { s = await startTestServer(); });
after(async () => { await s.close(); });

const tokenUrl = () => `${s.issuer}/oauth2/token`;

describe('DPoP at the token endpoint', () => {
  it('binds a client_credentials token to the proof key: token_type DPoP and cnf.jkt', async () => {
    const key = await proofKey();
    const res = await tokenRequest(s, { grant_type: 'client_credentials', scope: 'read_inbox' },
      { authorization: basic(), dpop: await makeProof(key, { htu: tokenUrl() }) });
    assert.equal(res.status, 200, await res.clone().text());
    const body = await res.json() as { access_token: string; token_type: string };
    assert.equal(body.token_type, 'DPoP');
    assert.deepEqual(jwtClaims(body.access_token).cnf, { jkt: key.jkt });
    assert.equal(jwtClaims(body.access_token).client_id, CONFIDENTIAL_CLIENT);
  });
});

describe('openid-client 6 with DPoP', () => {
  it('code flow with PKCE: the access token is bound to the client key, userinfo and refresh with the same key', async () => {
    const config = await client.discovery(new URL(s.issuer), PUBLIC_CLIENT, {}, client.None(), { execute: [client.allowInsecureRequests] });
    assert.deepEqual(config.serverMetadata().dpop_signing_alg_values_supported, ['ES256', 'EdDSA', 'Ed25519', 'RS256', 'PS256']);
    const keyPair = await client.randomDPoPKeyPair('ES256');
    const DPoP = client.getDPoPHandle(config, keyPair);
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid profile offline_access', state: 'st',
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', dpop_jkt: jkt,
    });
    const callback = await new UserAgent(s.url).authorize(url.toString(), USER);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'st' }, undefined, { DPoP });
    assert.equal(tokens.token_type, 'dpop');
    assert.deepEqual(jwtClaims(tokens.access_token).cnf, { jkt });
    const info = await client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck, { DPoP });
    assert.equal(info.preferred_username, USER.username);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP });
    assert.equal(refreshed.token_type, 'dpop');
    assert.deepEqual(jwtClaims(refreshed.access_token).cnf, { jkt });
  });

  it('client credentials with DPoP', async () => {
    const config = await client.discovery(new URL(s.issuer), CONFIDENTIAL_CLIENT, { client_secret: CONFIDENTIAL_SECRET },
      client.ClientSecretBasic(CONFIDENTIAL_SECRET), { execute: [client.allowInsecureRequests] });
    const keyPair = await client.randomDPoPKeyPair('EdDSA');
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read_inbox' }, { DPoP: client.getDPoPHandle(config, keyPair) });
    assert.equal(tokens.token_type, 'dpop');
    assert.deepEqual(jwtClaims(tokens.access_token).cnf, { jkt: await calculateJwkThumbprint(await exportJWK(keyPair.publicKey)) });
  });
});
