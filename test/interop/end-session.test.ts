/**
 * RP-initiated logout as openid-client 6 (`buildEndSessionUrl`) and oauth4webapi (the
 * `end_session_endpoint` of discovery) build it, followed through Pixie to the post-logout
 * redirect URI; and oauth4webapi's code flow accepting Pixie's ID token with the RS256 it expects
 * when neither the client nor the server metadata says otherwise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { logoutRedirect, signedOut } from '../helpers/end-session.js';
import { USER } from '../helpers/fixture.js';
import { RP_CALLBACK, RP_CLIENT, RP_LOGGED_OUT, RP_SCOPE, startRpServer } from '../helpers/relying-party.js';
import type { TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

let s: TestServer;
before(async () => { s = await startRpServer(); });
after(async () => { await s.close(); });

describe('openid-client 6: buildEndSessionUrl', () => {
  it('signs in, then logs out through Pixie back to the post-logout redirect URI with the state', async () => {
    const config = await client.discovery(new URL(s.issuer), RP_CLIENT, {}, client.None(), { execute: [client.allowInsecureRequests] });
    assert.equal(config.serverMetadata().end_session_endpoint, `${s.issuer}/oauth2/logout`);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const authorizeUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: RP_CALLBACK, scope: RP_SCOPE, state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();
    const ua = new UserAgent(s.url);
    const callback = await ua.authorize(authorizeUrl, USER);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true,
    });
    assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'RS256');

    const endSession = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!, post_logout_redirect_uri: RP_LOGGED_OUT, state: 'bye-6',
    });
    assert.equal(endSession.searchParams.get('client_id'), RP_CLIENT);
    const back = await logoutRedirect(ua, endSession.toString());
    assert.equal(back.origin + back.pathname, RP_LOGGED_OUT);
    assert.equal(back.searchParams.get('state'), 'bye-6');
    assert.ok(await signedOut(ua, authorizeUrl), 'the Pixie session is over');
  });
});

describe('oauth4webapi', () => {
  const insecure = { [oauth.allowInsecureRequests]: true };
  let as: oauth.AuthorizationServer;
  before(async () => {
    const issuer = new URL(s.issuer);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  });

  /** Code + PKCE through Pixie; returns the token endpoint's response, unread. */
  async function codeFlow(ua: UserAgent, c: oauth.Client, nonce: string) {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code', client_id: c.client_id, redirect_uri: RP_CALLBACK, scope: RP_SCOPE, state, nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();
    const back = await ua.authorize(url.toString(), USER);
    const params = oauth.validateAuthResponse(as, c, back, state);
    const response = await oauth.authorizationCodeGrantRequest(as, c, oauth.None(), params, RP_CALLBACK, verifier, insecure);
    return { response, authorizeUrl: url.toString() };
  }

  it('processAuthorizationCodeResponse accepts the ID token with the default expected alg (RS256)', async () => {
    const c: oauth.Client = { client_id: RP_CLIENT };
    const nonce = oauth.generateRandomNonce();
    const { response } = await codeFlow(new UserAgent(s.url), c, nonce);
    // Without id_token_signing_alg_values_supported in the server metadata and without
    // id_token_signed_response_alg on the client, oauth4webapi accepts RS256 only.
    const { id_token_signing_alg_values_supported: advertised, ...bare } = as;
    assert.ok(advertised?.includes('RS256'), 'discovery advertises RS256');
    const defaults = await oauth.processAuthorizationCodeResponse(bare, c, response.clone(), { expectedNonce: nonce, requireIdToken: true });
    const result = await oauth.processAuthorizationCodeResponse(as, c, response, { expectedNonce: nonce, requireIdToken: true });
    assert.equal(defaults.id_token, result.id_token);
    const claims = oauth.getValidatedIdTokenClaims(result)!;
    assert.equal(claims.iss, s.issuer);
    assert.equal(claims.aud, RP_CLIENT);
    assert.equal(claims.nonce, nonce);
    // oauth4webapi checks claims, not signatures, of ID tokens from the token endpoint.
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
    await jwtVerify(result.id_token!, jwks, { issuer: s.issuer, audience: RP_CLIENT, algorithms: ['RS256'] });
    assert.equal(decodeProtectedHeader(result.access_token).alg, 'ES256', 'access tokens stay ES256');
  });

  it('revokes with an empty JSON object answer, and logs out via end_session_endpoint from discovery', async () => {
    const c: oauth.Client = { client_id: RP_CLIENT };
    const ua = new UserAgent(s.url);
    const nonce = oauth.generateRandomNonce();
    const { response, authorizeUrl } = await codeFlow(ua, c, nonce);
    const result = await oauth.processAuthorizationCodeResponse(as, c, response, { expectedNonce: nonce, requireIdToken: true });

    const revocation = await oauth.revocationRequest(as, c, oauth.None(), result.refresh_token!, insecure);
    assert.equal(revocation.status, 200);
    assert.match(revocation.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await revocation.clone().json(), {});
    await oauth.processRevocationResponse(revocation);

    assert.equal(as.end_session_endpoint, `${s.issuer}/oauth2/logout`);
    const endSession = new URL(as.end_session_endpoint!);
    endSession.search = new URLSearchParams({
      id_token_hint: result.id_token!, client_id: RP_CLIENT, post_logout_redirect_uri: RP_LOGGED_OUT, state: 'bye-4w',
    }).toString();
    const back = await logoutRedirect(ua, endSession.toString());
    assert.equal(back.origin + back.pathname, RP_LOGGED_OUT);
    assert.equal(back.searchParams.get('state'), 'bye-4w');
    assert.ok(await signedOut(ua, authorizeUrl), 'the Pixie session is over');
  });
});
