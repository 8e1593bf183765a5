/**
 * A real relying party (openid-client v6) against a real Pixie: discovery → authorization URL
 * (PKCE S256, state, nonce) → login and consent → code exchange with id_token validation →
 * userinfo → refresh with rotation. The tokens are then checked independently with `jose`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, POST_CLIENT, POST_SECRET, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

let s: TestServer;
before(async () => { s = await startTestServer(); });
after(async () => { await s.close(); });

type ClientAuthName = 'None' | 'ClientSecretBasic' | 'ClientSecretPost';

/** Each client authenticates with the token_endpoint_auth_method it is registered with. */
const SECRETS: Record<string, string> = { [CONFIDENTIAL_CLIENT]: CONFIDENTIAL_SECRET, [POST_CLIENT]: POST_SECRET };

async function discover(clientId: string, auth: ClientAuthName): Promise<client.Configuration> {
  const secret = SECRETS[clientId] ?? '';
  const clientAuth = auth === 'None' ? client.None()
    : auth === 'ClientSecretBasic' ? client.ClientSecretBasic(secret) : client.ClientSecretPost(secret);
  const metadata: Partial<client.ClientMetadata> = auth === 'None' ? {} : { client_secret: secret };
  // Pixie on a loopback http issuer is allowed (SPEC §1); openid-client needs to be told.
  return client.discovery(new URL(s.issuer), clientId, metadata, clientAuth, { execute: [client.allowInsecureRequests] });
}

/** Go through the whole flow once and return what the relying party ended up with. */
async function signIn(config: client.Configuration, scope: string) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI, scope, state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const callback = await new UserAgent(s.url).authorize(url.toString(), USER);
  assert.equal(callback.searchParams.get('iss'), s.issuer);
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true,
  });
  return { tokens, nonce };
}

async function expectInvalidGrant(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof client.ResponseBodyError, `expected an OAuth error response, got ${String(err)}`);
    assert.equal(err.error, 'invalid_grant');
    return true;
  });
}

const cases: { name: string; clientId: string; auth: ClientAuthName }[] = [
  { name: 'public client with PKCE (none)', clientId: PUBLIC_CLIENT, auth: 'None' },
  { name: 'confidential client (client_secret_basic)', clientId: CONFIDENTIAL_CLIENT, auth: 'ClientSecretBasic' },
  { name: 'confidential client (client_secret_post)', clientId: POST_CLIENT, auth: 'ClientSecretPost' },
];

for (const c of cases) {
  describe(`openid-client: ${c.name}`, () => {
    it('discovers, signs in, validates the id_token, reads userinfo and refreshes with rotation', async () => {
      const config = await discover(c.clientId, c.auth);
      const meta = config.serverMetadata();
      assert.equal(meta.issuer, s.issuer);
      assert.ok(meta.code_challenge_methods_supported?.includes('S256'), 'S256 is advertised');
      assert.equal(meta.authorization_response_iss_parameter_supported, true);

      const { tokens, nonce } = await signIn(config, 'openid profile email offline_access');
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');
      assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');
      const claims = tokens.claims()!;
      assert.equal(claims.iss, s.issuer);
      assert.equal(claims.aud, c.clientId);
      assert.equal(claims.nonce, nonce);
      assert.equal(typeof claims.auth_time, 'number');

      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      assert.equal(info.sub, claims.sub);
      assert.equal(info.preferred_username, USER.username);
      assert.equal(info.email, 'alice@example.com');
      assert.equal(info.name, 'Alice Example');

      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      assert.ok(refreshed.access_token, 'refresh gives an access token');
      assert.notEqual(refreshed.access_token, tokens.access_token);
      assert.ok(refreshed.refresh_token, 'refresh gives a new refresh token');
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
      if (refreshed.id_token) assert.equal(refreshed.claims()!.sub, claims.sub);
      const again = await client.fetchUserInfo(config, refreshed.access_token, claims.sub);
      assert.equal(again.sub, claims.sub);

      // Rotation: the first refresh token is spent; presenting it again is reuse, which
      // revokes the whole family (RFC 9700 §4.14.2), so the newest one stops working too.
      await expectInvalidGrant(client.refreshTokenGrant(config, tokens.refresh_token!));
      await expectInvalidGrant(client.refreshTokenGrant(config, refreshed.refresh_token!));
    });
  });
}

describe('openid-client: a confidential client with a wrong secret', () => {
  it('gets 401 invalid_client with a Basic challenge at the token endpoint, and no tokens', async () => {
    const config = await client.discovery(new URL(s.issuer), CONFIDENTIAL_CLIENT, {}, client.ClientSecretBasic('pxs_not-the-secret'), {
      execute: [client.allowInsecureRequests],
    });
    // RFC 6749 §5.2: 401 with WWW-Authenticate, which openid-client reports as a challenge.
    const err = await signIn(config, 'openid').then(() => null, (e: unknown) => e);
    assert.ok(err instanceof client.WWWAuthenticateChallengeError, `expected a 401 challenge, got ${String(err)}`);
    assert.equal(err.status, 401);
    assert.equal(err.cause[0]?.scheme, 'basic');
    assert.equal((await err.response.json()).error, 'invalid_client');
  });
});

describe('tokens verified independently with jose against the JWKS', () => {
  it('access token is an RFC 9068 JWT and the id_token carries a matching at_hash', async () => {
    const config = await discover(PUBLIC_CLIENT, 'None');
    const { tokens, nonce } = await signIn(config, 'openid profile');
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));

    const atHeader = decodeProtectedHeader(tokens.access_token);
    assert.equal(atHeader.typ, 'at+jwt');
    assert.ok(atHeader.kid, 'access token header names its key');
    const at = await jwtVerify(tokens.access_token, jwks, { issuer: s.issuer, audience: s.issuer, typ: 'at+jwt' });
    assert.equal(at.payload.client_id, PUBLIC_CLIENT);
    assert.equal(at.payload.scope, 'openid profile');
    assert.ok(at.payload.jti, 'access token has a jti');
    assert.ok(typeof at.payload.exp === 'number' && at.payload.exp > at.payload.iat!, 'access token expires after it is issued');
    assert.equal(at.payload.exp! - at.payload.iat!, 3600);

    const idHeader = decodeProtectedHeader(tokens.id_token!);
    assert.ok(idHeader.kid, 'id_token header names its key');
    // ID tokens use the client's id_token_signed_response_alg (RS256 by default); access tokens the server's ES256 key.
    assert.equal(idHeader.alg, 'RS256');
    assert.equal(atHeader.alg, 'ES256');
    const id = await jwtVerify(tokens.id_token!, jwks, { issuer: s.issuer, audience: PUBLIC_CLIENT });
    assert.equal(id.payload.nonce, nonce);
    assert.equal(id.payload.sub, at.payload.sub);
    assert.ok(typeof id.payload.exp === 'number', 'id_token has exp');
    const digest = createHash('sha256').update(tokens.access_token).digest();
    assert.equal(id.payload.at_hash, digest.subarray(0, 16).toString('base64url'));

    // A token signed by someone else's key, or altered, fails verification.
    const [header, , signature] = tokens.access_token.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...at.payload, scope: 'admin' })).toString('base64url')}.${signature}`;
    await assert.rejects(jwtVerify(tampered, jwks, { issuer: s.issuer }));
  });
});
