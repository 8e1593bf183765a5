/**
 * RP-initiated logout as real relying-party libraries do it: openid-client 6 (`buildEndSessionUrl`,
 * which adds `client_id` beside `id_token_hint`) and oauth4webapi (reads `end_session_endpoint`
 * from discovery). Each signs in with the code flow, builds the logout URL, and the browser
 * follows it through Pixie back to the registered URI with `state`, signed out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import type { ImportFileData } from '../../src/import/schema.js';
import { authorizeUrl } from '../helpers/flow.js';
import { FIXTURE, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const SIGNED_OUT = 'http://127.0.0.1/signed-out';
const WITH_LOGOUT: ImportFileData = {
  tenants: [{
    id: 'default',
    servers: [{ id: 'default', clients: [{ ...FIXTURE.tenants![0]!.servers![0]!.clients![0]!, post_logout_redirect_uris: [SIGNED_OUT] }] }],
  }],
};

let s: TestServer;
before(async () => { s = await startTestServer({ imports: [FIXTURE, WITH_LOGOUT] }); });
after(async () => { await s.close(); });

/** Whether /authorize sends this browser to the login page (it has no session). */
async function mustSignInAgain(ua: UserAgent): Promise<boolean> {
  const { challenge } = pkce();
  const res = await ua.get(authorizeUrl(s, { client_id: PUBLIC_CLIENT, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }));
  return new URL(res.headers.get('location')!, s.url).pathname === '/login';
}

/** Follow the relying party's logout URL in the browser; return where Pixie sends it. */
async function followLogout(ua: UserAgent, url: URL): Promise<URL> {
  assert.equal(`${url.origin}${url.pathname}`, `${s.issuer}/oauth2/logout`);
  const res = await ua.get(url.toString());
  assert.equal(res.status, 302, `expected a redirect, got ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return new URL(res.headers.get('location')!);
}

describe('RP-initiated logout with relying-party libraries', () => {
  it('openid-client 6: buildEndSessionUrl with id_token_hint signs out and returns with state', async () => {
    const config = await client.discovery(new URL(s.issuer), PUBLIC_CLIENT, {}, client.None(), { execute: [client.allowInsecureRequests] });
    assert.equal(config.serverMetadata().end_session_endpoint, `${s.issuer}/oauth2/logout`);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const ua = new UserAgent(s.url);
    const callback = await ua.authorize(client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid', state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString(), USER);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true });
    assert.equal(await mustSignInAgain(ua), false);

    const logoutState = client.randomState();
    const url = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: SIGNED_OUT, state: logoutState });
    assert.equal(url.searchParams.get('client_id'), PUBLIC_CLIENT, 'openid-client sends client_id too');
    const back = await followLogout(ua, url);
    assert.equal(`${back.origin}${back.pathname}`, SIGNED_OUT);
    assert.equal(back.searchParams.get('state'), logoutState);
    assert.equal(await mustSignInAgain(ua), true);
  });

  it('oauth4webapi: end_session_endpoint from discovery, URL built by the RP, signs out and returns with state', async () => {
    const issuer = new URL(s.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }));
    assert.equal(as.end_session_endpoint, `${s.issuer}/oauth2/logout`);
    const rp: oauth.Client = { client_id: PUBLIC_CLIENT };
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const authUrl = new URL(as.authorization_endpoint!);
    authUrl.search = new URLSearchParams({
      client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();
    const ua = new UserAgent(s.url);
    const callback = await ua.authorize(authUrl.toString(), USER);
    const params = oauth.validateAuthResponse(as, rp, callback, state);
    const response = await oauth.authorizationCodeGrantRequest(as, rp, oauth.None(), params, REDIRECT_URI, verifier, { [oauth.allowInsecureRequests]: true });
    const result = await oauth.processAuthorizationCodeResponse(as, rp, response, { requireIdToken: true });
    assert.ok(result.id_token);

    const url = new URL(as.end_session_endpoint!);
    url.search = new URLSearchParams({ id_token_hint: result.id_token, post_logout_redirect_uri: SIGNED_OUT, state: 'o4w' }).toString();
    const back = await followLogout(ua, url);
    assert.equal(back.toString(), `${SIGNED_OUT}?state=o4w`);
    assert.equal(await mustSignInAgain(ua), true);
  });
});
