/**
 * openid-client 5 (the version most Node relying parties and passport strategies still run) as a
 * public client with default client metadata, so it expects RS256 ID tokens: discovery, code +
 * PKCE through Pixie's login and consent, `callback()` validating the ID token against the JWKS,
 * userinfo, refresh, revocation, and RP-initiated logout to the post-logout redirect URI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { errors, generators, Issuer, type BaseClient } from 'openid-client-5';
import { logoutRedirect, followEndSession, signedOut } from '../helpers/end-session.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { RP_CALLBACK, RP_CLIENT, RP_ES256_CLIENT, RP_LOGGED_OUT, RP_SCOPE, startRpServer } from '../helpers/relying-party.js';
import type { TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

let s: TestServer;
let issuer: Issuer<BaseClient>;
before(async () => {
  s = await startRpServer();
  issuer = await Issuer.discover(s.issuer);
});
after(async () => { await s.close(); });

/** Code + PKCE with state and nonce, through login and consent; the client's callback() checks it all. */
async function signIn(client: BaseClient, ua = new UserAgent(s.url), redirectUri = RP_CALLBACK) {
  const verifier = generators.codeVerifier();
  const state = generators.state();
  const nonce = generators.nonce();
  const url = client.authorizationUrl({
    redirect_uri: redirectUri, scope: RP_SCOPE, state, nonce,
    code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256',
  });
  const back = await ua.authorize(url, USER);
  const params = client.callbackParams(back.toString());
  const tokens = await client.callback(redirectUri, params, { code_verifier: verifier, state, nonce });
  return { tokens, nonce, ua, authorizeUrl: url };
}

describe('openid-client 5 with default client metadata', () => {
  it('discovers the endpoints, including end_session_endpoint', () => {
    assert.equal(issuer.metadata.issuer, s.issuer);
    assert.equal(issuer.metadata.end_session_endpoint, `${s.issuer}/oauth2/logout`);
    assert.ok((issuer.metadata.id_token_signing_alg_values_supported as string[]).includes('RS256'), 'RS256 is advertised for ID tokens');
  });

  it('signs in with code + PKCE, validates the RS256 ID token, reads userinfo, refreshes, revokes and logs out', async () => {
    const client = new issuer.Client({ client_id: RP_CLIENT, token_endpoint_auth_method: 'none' });
    assert.equal(client.metadata.id_token_signed_response_alg, 'RS256', 'the library default this test is about');

    const { tokens, nonce, ua, authorizeUrl } = await signIn(client);
    assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'RS256');
    const claims = tokens.claims();
    assert.equal(claims.iss, s.issuer);
    assert.equal(claims.aud, RP_CLIENT);
    assert.equal(claims.nonce, nonce);
    assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');

    const info = await client.userinfo(tokens);
    assert.equal(info.sub, claims.sub);
    assert.equal(info.preferred_username, USER.username);
    assert.equal(info.email, 'alice@example.com');

    const refreshed = await client.refresh(tokens);
    assert.ok(refreshed.access_token && refreshed.access_token !== tokens.access_token, 'a new access token');
    assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token, 'a rotated refresh token');
    if (refreshed.id_token) assert.equal(refreshed.claims().sub, claims.sub);
    assert.equal((await client.userinfo(refreshed.access_token!)).sub, claims.sub);

    // RFC 7009: revoked tokens stop working; revoking again (an unknown token) is still 200.
    await client.revoke(refreshed.access_token!, 'access_token');
    await assert.rejects(client.userinfo(refreshed.access_token!), (err: unknown) => {
      assert.ok(err instanceof errors.OPError, String(err));
      assert.equal(err.error, 'invalid_token');
      return true;
    });
    await client.revoke(refreshed.refresh_token!, 'refresh_token');
    await client.revoke(refreshed.refresh_token!, 'refresh_token');
    await assert.rejects(client.refresh(refreshed.refresh_token!), (err: unknown) => {
      assert.ok(err instanceof errors.OPError, String(err));
      assert.equal(err.error, 'invalid_grant');
      return true;
    });

    const endSession = new URL(client.endSessionUrl({ id_token_hint: tokens, post_logout_redirect_uri: RP_LOGGED_OUT, state: 'bye-5' }));
    assert.equal(endSession.origin + endSession.pathname, `${s.issuer}/oauth2/logout`);
    assert.equal(endSession.searchParams.get('client_id'), RP_CLIENT);
    const back = await logoutRedirect(ua, endSession.toString());
    assert.equal(back.origin + back.pathname, RP_LOGGED_OUT);
    assert.equal(back.searchParams.get('state'), 'bye-5');
    assert.ok(await signedOut(ua, authorizeUrl), 'the Pixie session is over');
  });

  it('logout with an unregistered post_logout_redirect_uri does not redirect there', async () => {
    const client = new issuer.Client({ client_id: RP_CLIENT, token_endpoint_auth_method: 'none' });
    const { tokens, ua } = await signIn(client);
    const url = client.endSessionUrl({ id_token_hint: tokens, post_logout_redirect_uri: 'http://127.0.0.1/rp/elsewhere', state: 'x' });
    const outcome = await followEndSession(ua, url);
    assert.ok('page' in outcome, `redirected to ${'redirect' in outcome ? outcome.redirect : ''}`);
    assert.equal(outcome.page.status, 400);
  });

  it('an ID token alg other than the one the library expects is refused; registering it makes it pass', async () => {
    // The client registered ES256 for its ID tokens; openid-client 5 with default metadata expects RS256.
    const expectingRs256 = new issuer.Client({ client_id: RP_ES256_CLIENT, token_endpoint_auth_method: 'none' });
    await assert.rejects(signIn(expectingRs256), (err: unknown) => {
      assert.ok(err instanceof errors.RPError, String(err));
      assert.match(err.message, /unexpected JWT alg received, expected RS256, got: ES256/);
      return true;
    });
    const expectingEs256 = new issuer.Client({ client_id: RP_ES256_CLIENT, token_endpoint_auth_method: 'none', id_token_signed_response_alg: 'ES256' });
    const { tokens } = await signIn(expectingEs256);
    assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'ES256');
  });

  it('a confidential client authenticates only with its registered token_endpoint_auth_method', async () => {
    // Registered with the default client_secret_basic; the same secret sent in the body is refused.
    const post = new issuer.Client({ client_id: CONFIDENTIAL_CLIENT, client_secret: CONFIDENTIAL_SECRET, token_endpoint_auth_method: 'client_secret_post' });
    await assert.rejects(signIn(post, new UserAgent(s.url), REDIRECT_URI), (err: unknown) => {
      assert.ok(err instanceof errors.OPError, String(err));
      assert.equal(err.error, 'invalid_client');
      return true;
    });
    const basic = new issuer.Client({ client_id: CONFIDENTIAL_CLIENT, client_secret: CONFIDENTIAL_SECRET, token_endpoint_auth_method: 'client_secret_basic' });
    const { tokens } = await signIn(basic, new UserAgent(s.url), REDIRECT_URI);
    assert.equal(tokens.claims().aud, CONFIDENTIAL_CLIENT);
  });
});
