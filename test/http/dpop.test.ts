/**
 * DPoP (RFC 9449) against a real Pixie: openid-client 6 and oauth4webapi bind tokens to their
 * keys through the code flow with PKCE, client credentials, refresh and userinfo; hand-made
 * proofs show each refusal with the RFC's error.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import type { ImportFileData } from '../../src/import/schema.js';
import { jwtClaims, makeProof, proofKey, type ProofKey } from '../helpers/dpop.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, FIXTURE, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { authorizeUrl, basic, getCode, introspect, postForm, tokenRequest } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const BOUND_CLIENT = 'app-dpop-bound';

/** The fixture, plus a client that must use DPoP, a server that requires it and one that has it off. */
function imports(): ImportFileData {
  const data = structuredClone(FIXTURE);
  const tenant = data.tenants[0]!;
  const def = tenant.servers![0]!;
  def.clients!.push({
    client_id: BOUND_CLIENT, public: false, grant_types: ['client_credentials'], scopes: ['read_inbox'],
    client_secret: CONFIDENTIAL_SECRET, dpop_bound_access_tokens: true,
  });
  const clients = def.clients!.filter((c) => [CONFIDENTIAL_CLIENT, BOUND_CLIENT, PUBLIC_CLIENT].includes(c.client_id));
  tenant.servers!.push({ id: 'strict', dpop: 'require', clients: structuredClone(clients) });
  tenant.servers!.push({ id: 'nodpop', dpop: 'off', clients: structuredClone(clients) });
  return data;
}

let s: TestServer;
before(async () => { s = await startTestServer({ imports: [imports()] }); });
after(async () => { await s.close(); });

const issuerOf = (server: string) => `${s.url}/default/${server}`;
const tokenUrl = (server = 'default') => `${issuerOf(server)}/oauth2/token`;

async function ccWithProof(dpop: string | string[] | null, server = 'default', clientId = CONFIDENTIAL_CLIENT): Promise<Response> {
  return postForm(tokenUrl(server), { grant_type: 'client_credentials', scope: 'read_inbox' },
    { authorization: basic(clientId), ...(dpop === null ? {} : { dpop: [dpop].flat().join(', ') }) });
}

async function expectError(res: Response, status: number, error: string): Promise<Record<string, string>> {
  const body = await res.json() as Record<string, string>;
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.error, error, JSON.stringify(body));
  return body;
}

/** A code for the public client, with extra authorize parameters (dpop_jkt). */
async function codeWith(params: Record<string, string>): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  const back = await new UserAgent(s.url).authorize(authorizeUrl(s, {
    client_id: PUBLIC_CLIENT, scope: 'openid offline_access', state: 's', code_challenge: challenge, code_challenge_method: 'S256', ...params,
  }), USER);
  const code = back.searchParams.get('code');
  assert.ok(code, `no code in ${back}`);
  return { code, verifier };
}

function exchangeWith(c: { code: string; verifier: string }, dpop?: string): Promise<Response> {
  return tokenRequest(s, { grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code: c.code, redirect_uri: REDIRECT_URI, code_verifier: c.verifier },
    dpop ? { dpop } : {});
}

/** Tokens of the public client bound to `key` (code flow, offline_access). */
async function boundTokens(key: ProofKey): Promise<{ access_token: string; refresh_token: string; token_type: string }> {
  const res = await exchangeWith(await getCode(s), await makeProof(key, { htu: tokenUrl() }));
  assert.equal(res.status, 200);
  return await res.json() as { access_token: string; refresh_token: string; token_type: string };
}

describe('DPoP at the token endpoint (server dpop: allow)', () => {
  it('binds a client_credentials token to the proof key: token_type DPoP, cnf.jkt, and introspection says so', async () => {
    const key = await proofKey();
    const res = await ccWithProof(await makeProof(key, { htu: tokenUrl() }));
    assert.equal(res.status, 200);
    const body = await res.json() as { access_token: string; token_type: string };
    assert.equal(body.token_type, 'DPoP');
    assert.deepEqual(jwtClaims(body.access_token).cnf, { jkt: key.jkt });
    const info = await introspect(s, body.access_token);
    assert.equal(info.token_type, 'DPoP');
    assert.deepEqual(info.cnf, { jkt: key.jkt });
  });

  it('issues bearer tokens to requests without a proof, and lists its proof algs in discovery', async () => {
    const res = await ccWithProof(null);
    const body = await res.json() as { access_token: string; token_type: string };
    assert.equal(body.token_type, 'Bearer');
    assert.equal(jwtClaims(body.access_token).cnf, undefined);
    assert.equal((await introspect(s, body.access_token)).token_type, 'Bearer');
    const meta = await (await fetch(`${s.issuer}/.well-known/oauth-authorization-server`)).json() as Record<string, unknown>;
    assert.deepEqual(meta.dpop_signing_alg_values_supported, ['ES256', 'EdDSA', 'Ed25519', 'RS256', 'PS256']);
  });

  it('binds opaque tokens too: introspection gives their cnf', async () => {
    const key = await proofKey('RS256');
    const res = await postForm(`${s.url}/oauth/access_token/json`, { grant_type: 'client_credentials', scope: 'read_inbox' },
      { authorization: basic(), dpop: await makeProof(key, { htu: `${s.url}/oauth/access_token/json` }) });
    assert.equal(res.status, 200);
    const body = await res.json() as { access_token: string; token_type: string };
    assert.equal(body.token_type, 'DPoP');
    assert.deepEqual((await introspect(s, body.access_token)).cnf, { jkt: key.jkt });
  });

  it('refuses a replayed proof (same jti) with invalid_dpop_proof (RFC 9449 §11.1)', async () => {
    const proof = await makeProof(await proofKey(), { htu: tokenUrl() });
    assert.equal((await ccWithProof(proof)).status, 200);
    const body = await expectError(await ccWithProof(proof), 400, 'invalid_dpop_proof');
    assert.match(body.error_description!, /used before/);
  });

  it('refuses a proof for another URL or another method (RFC 9449 §4.3, §11.7)', async () => {
    const key = await proofKey();
    await expectError(await ccWithProof(await makeProof(key, { htu: `${s.issuer}/userinfo` })), 400, 'invalid_dpop_proof');
    await expectError(await ccWithProof(await makeProof(key, { htu: tokenUrl('strict') })), 400, 'invalid_dpop_proof');
    await expectError(await ccWithProof(await makeProof(key, { htu: tokenUrl(), htm: 'GET' })), 400, 'invalid_dpop_proof');
    // The query and fragment are not part of htu; case of scheme and host is not significant.
    const res = await ccWithProof(await makeProof(key, { htu: `${tokenUrl().replace('http://', 'HTTP://')}?x=1#f` }));
    assert.equal(res.status, 200);
  });

  it('refuses a proof made too long ago or for the future (RFC 9449 §11.2)', async () => {
    const key = await proofKey();
    const now = Math.floor(Date.now() / 1000);
    for (const iat of [now - 300, now + 300]) {
      const body = await expectError(await ccWithProof(await makeProof(key, { htu: tokenUrl(), iat })), 400, 'invalid_dpop_proof');
      assert.match(body.error_description!, /iat/);
    }
  });

  it('refuses a wrong typ, a symmetric or none alg, a private jwk, a bad signature, a missing claim and two DPoP headers', async () => {
    const key = await proofKey();
    const other = await proofKey();
    const htu = tokenUrl();
    const cases: [string, string][] = [
      ['typ', await makeProof(key, { htu, header: { typ: 'JWT' } })],
      ['private', await makeProof(key, { htu, header: { jwk: key.privateJwk } })],
      ['signature', await makeProof(key, { htu, header: { jwk: other.publicJwk } })],
      ['jti', await makeProof(key, { htu, claims: { jti: undefined } })],
    ];
    const unsigned = (alg: string) => `${Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg, jwk: key.publicJwk })).toString('base64url')}.${
      Buffer.from(JSON.stringify({ htm: 'POST', htu, iat: Math.floor(Date.now() / 1000), jti: 'x' })).toString('base64url')}.${Buffer.from('sig').toString('base64url')}`;
    cases.push(['alg', unsigned('HS256')], ['alg', unsigned('none')], ['JWT', 'not-a-jwt']);
    for (const [fault, proof] of cases) {
      const body = await expectError(await ccWithProof(proof), 400, 'invalid_dpop_proof');
      assert.match(body.error_description!, new RegExp(fault), body.error_description);
    }
    // Two DPoP header lines (fetch would join them into one): node:http sends each.
    const proofs = [await makeProof(key, { htu }), await makeProof(key, { htu })];
    const two = await new Promise<{ status: number; body: Record<string, string> }>((resolve, reject) => {
      const url = new URL(htu);
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: {
        'content-type': 'application/x-www-form-urlencoded', authorization: basic(), dpop: proofs,
      } }, (res) => {
        let data = '';
        res.on('data', (chunk: Buffer) => { data += chunk.toString(); });
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) as Record<string, string> }));
      });
      req.on('error', reject);
      req.end('grant_type=client_credentials&scope=read_inbox');
    });
    assert.equal(two.status, 400);
    assert.equal(two.body.error, 'invalid_dpop_proof');
    assert.match(two.body.error_description!, /single DPoP header/);
  });

  it('answers garbage in the DPoP header with invalid_dpop_proof, never a server error', async () => {
    const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    const key = await proofKey();
    const garbage = [
      '', 'a.b.c', `${b64('not json')}.${b64({})}.c2ln`, `${b64([1])}.${b64({})}.c2ln`,
      `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: 'x' })}.${b64({})}.c2ln`,
      `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC' } })}.${b64('[')}.c2ln`,
      `${b64({ typ: 'dpop+jwt', alg: 'RS256', jwk: key.publicJwk })}.${b64({ htm: 'POST' })}.c2ln`,
      await makeProof(key, { htu: tokenUrl(), claims: { htu: 42 } }),
      await makeProof(key, { htu: tokenUrl(), claims: { iat: 'now' } }),
      await makeProof(key, { htu: tokenUrl(), claims: { htu: 'not a url' } }),
      'x'.repeat(9000),
    ];
    for (const proof of garbage) {
      const res = await ccWithProof(proof);
      assert.equal(res.status, 400, proof.slice(0, 80));
      assert.equal((await res.json()).error, 'invalid_dpop_proof', proof.slice(0, 80));
    }
  });

  it('requires a proof from a client registered with dpop_bound_access_tokens (RFC 9449 §5.2)', async () => {
    await expectError(await ccWithProof(null, 'default', BOUND_CLIENT), 400, 'invalid_dpop_proof');
    const res = await ccWithProof(await makeProof(await proofKey(), { htu: tokenUrl() }), 'default', BOUND_CLIENT);
    assert.equal((await res.json()).token_type, 'DPoP');
  });

  it('binds the code to dpop_jkt: the exchange needs a proof of that key (RFC 9449 §10)', async () => {
    const key = await proofKey();
    const other = await proofKey();
    const c = await codeWith({ dpop_jkt: key.jkt });
    await expectError(await exchangeWith(c), 400, 'invalid_grant');
    await expectError(await exchangeWith(c, await makeProof(other, { htu: tokenUrl() })), 400, 'invalid_grant');
    const res = await exchangeWith(c, await makeProof(key, { htu: tokenUrl() }));
    assert.equal(res.status, 200, 'refused exchanges leave the code usable');
    assert.deepEqual(jwtClaims((await res.json()).access_token).cnf, { jkt: key.jkt });
  });

  it('refuses a malformed dpop_jkt at the authorization endpoint', async () => {
    const { challenge } = pkce();
    const back = await new UserAgent(s.url).authorize(authorizeUrl(s, {
      client_id: PUBLIC_CLIENT, scope: 'openid', state: 's', code_challenge: challenge, code_challenge_method: 'S256', dpop_jkt: 'short',
    }), USER);
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    assert.match(back.searchParams.get('error_description')!, /dpop_jkt/);
  });

  it('binds a public client\'s refresh token to its key: another key or no proof is refused (RFC 9449 §5)', async () => {
    const key = await proofKey();
    const tokens = await boundTokens(key);
    assert.equal(tokens.token_type, 'DPoP');
    const refresh = (dpop?: string) => tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: tokens.refresh_token }, dpop ? { dpop } : {});
    await expectError(await refresh(), 400, 'invalid_dpop_proof');
    await expectError(await refresh(await makeProof(await proofKey(), { htu: tokenUrl() })), 400, 'invalid_grant');
    const res = await refresh(await makeProof(key, { htu: tokenUrl() }));
    assert.equal(res.status, 200, 'refused refreshes leave the token usable');
    const next = await res.json() as { access_token: string; token_type: string };
    assert.equal(next.token_type, 'DPoP');
    assert.deepEqual(jwtClaims(next.access_token).cnf, { jkt: key.jkt });
  });

  it('leaves a confidential client\'s refresh token unbound (it is bound to the client\'s credentials)', async () => {
    const { verifier, challenge } = pkce();
    const back = await new UserAgent(s.url).authorize(authorizeUrl(s, {
      client_id: CONFIDENTIAL_CLIENT, scope: 'openid offline_access', state: 's', code_challenge: challenge, code_challenge_method: 'S256',
    }), USER);
    const form = { grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: verifier };
    const first = await (await tokenRequest(s, form, { authorization: basic(), dpop: await makeProof(await proofKey(), { htu: tokenUrl() }) })).json();
    assert.equal(first.token_type, 'DPoP');
    const res = await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, { authorization: basic() });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).token_type, 'Bearer');
  });
});

describe('DPoP at userinfo (RFC 9449 §7)', () => {
  const userinfoUrl = () => `${s.issuer}/userinfo`;

  it('accepts a bound token with the DPoP scheme and a proof with ath; refuses it as Bearer with a DPoP challenge', async () => {
    const key = await proofKey();
    const { access_token: token } = await boundTokens(key);
    const ok = await fetch(userinfoUrl(), { headers: { authorization: `DPoP ${token}`, dpop: await makeProof(key, { htm: 'GET', htu: userinfoUrl(), accessToken: token }) } });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).sub, jwtClaims(token).sub);

    const asBearer = await fetch(userinfoUrl(), { headers: { authorization: `Bearer ${token}` } });
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.headers.get('www-authenticate')!, /^DPoP algs="[^"]+", error="invalid_token"/);
  });

  it('refuses a proof without ath, for another token, of another key, or replayed', async () => {
    const key = await proofKey();
    const { access_token: token } = await boundTokens(key);
    const call = async (dpop: string) => fetch(userinfoUrl(), { headers: { authorization: `DPoP ${token}`, dpop } });
    const challenge = async (res: Response, error: string) => {
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate')!, new RegExp(`^DPoP .*error="${error}"`));
    };
    await challenge(await call(await makeProof(key, { htm: 'GET', htu: userinfoUrl() })), 'invalid_dpop_proof');
    await challenge(await call(await makeProof(key, { htm: 'GET', htu: userinfoUrl(), accessToken: 'another' })), 'invalid_dpop_proof');
    await challenge(await call(await makeProof(await proofKey(), { htm: 'GET', htu: userinfoUrl(), accessToken: token })), 'invalid_token');
    const proof = await makeProof(key, { htm: 'GET', htu: userinfoUrl(), accessToken: token });
    assert.equal((await call(proof)).status, 200);
    await challenge(await call(proof), 'invalid_dpop_proof');
    await challenge(await fetch(userinfoUrl(), { headers: { authorization: `DPoP ${token}` } }), 'invalid_dpop_proof');
  });

  it('refuses an unbound token presented with the DPoP scheme', async () => {
    const res = await exchangeWith(await getCode(s));
    const { access_token: token } = await res.json() as { access_token: string };
    const key = await proofKey();
    const r = await fetch(userinfoUrl(), { headers: { authorization: `DPoP ${token}`, dpop: await makeProof(key, { htm: 'GET', htu: userinfoUrl(), accessToken: token }) } });
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate')!, /^DPoP .*error="invalid_token"/);
  });
});

describe('server dpop: require', () => {
  it('refuses a request without a proof, asks for its nonce with use_dpop_nonce, then accepts the proof with it', async () => {
    await expectError(await ccWithProof(null, 'strict'), 400, 'invalid_dpop_proof');
    const key = await proofKey();
    const first = await ccWithProof(await makeProof(key, { htu: tokenUrl('strict') }), 'strict');
    const nonce = first.headers.get('dpop-nonce');
    await expectError(first, 400, 'use_dpop_nonce');
    assert.ok(nonce && /^[A-Za-z0-9_-]{20,}$/.test(nonce), `a DPoP-Nonce header: ${nonce}`);
    await expectError(await ccWithProof(await makeProof(key, { htu: tokenUrl('strict'), nonce: 'not-the-nonce' }), 'strict'), 400, 'use_dpop_nonce');
    const ok = await ccWithProof(await makeProof(key, { htu: tokenUrl('strict'), nonce }), 'strict');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('dpop-nonce'), nonce, 'the current nonce comes with the answer');
    assert.equal((await ok.json()).token_type, 'DPoP');
    // A nonce is the server's own: another server's is refused.
    const other = await ccWithProof(await makeProof(key, { htu: tokenUrl(), nonce }), 'default');
    assert.equal(other.status, 200, 'a server that does not require nonces ignores one');
  });

  it('asks for the nonce at userinfo too (401, DPoP challenge), and accepts the bound token with it', async () => {
    const key = await proofKey();
    const { verifier, challenge } = pkce();
    const back = await new UserAgent(s.url).authorize(`${issuerOf('strict')}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'openid', state: 's', code_challenge: challenge, code_challenge_method: 'S256',
    })}`, USER);
    const form = { grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code: back.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: verifier };
    const asked = await postForm(tokenUrl('strict'), form, { dpop: await makeProof(key, { htu: tokenUrl('strict') }) });
    const nonce = asked.headers.get('dpop-nonce')!;
    await expectError(asked, 400, 'use_dpop_nonce');
    const tokens = await (await postForm(tokenUrl('strict'), form, { dpop: await makeProof(key, { htu: tokenUrl('strict'), nonce }) })).json() as { access_token: string };
    const userinfo = `${issuerOf('strict')}/userinfo`;
    const call = async (proofNonce?: string) => fetch(userinfo, { headers: {
      authorization: `DPoP ${tokens.access_token}`, dpop: await makeProof(key, { htm: 'GET', htu: userinfo, accessToken: tokens.access_token, nonce: proofNonce }),
    } });
    const without = await call();
    assert.equal(without.status, 401);
    assert.match(without.headers.get('www-authenticate')!, /^DPoP .*error="use_dpop_nonce"/);
    assert.equal(without.headers.get('dpop-nonce'), nonce);
    const ok = await call(nonce);
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).sub, jwtClaims(tokens.access_token).sub);
  });

  it('openid-client retries with the nonce by itself', async () => {
    const config = await client.discovery(new URL(issuerOf('strict')), CONFIDENTIAL_CLIENT, { client_secret: CONFIDENTIAL_SECRET },
      client.ClientSecretBasic(CONFIDENTIAL_SECRET), { execute: [client.allowInsecureRequests] });
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read_inbox' }, { DPoP });
    assert.equal(tokens.token_type, 'dpop');
  });
});

describe('server dpop: off', () => {
  it('ignores the DPoP header (bearer tokens, no algs in discovery) and refuses clients that require DPoP', async () => {
    const res = await ccWithProof(await makeProof(await proofKey(), { htu: tokenUrl('nodpop') }), 'nodpop');
    const body = await res.json() as { access_token: string; token_type: string };
    assert.equal(body.token_type, 'Bearer');
    assert.equal(jwtClaims(body.access_token).cnf, undefined);
    const meta = await (await fetch(`${issuerOf('nodpop')}/.well-known/oauth-authorization-server`)).json() as Record<string, unknown>;
    assert.equal(meta.dpop_signing_alg_values_supported, undefined);
    const bound = await expectError(await ccWithProof(null, 'nodpop', BOUND_CLIENT), 400, 'invalid_request');
    assert.match(bound.error_description!, /dpop_bound_access_tokens/);
  });
});

describe('openid-client 6 with DPoP', () => {
  it('code flow with PKCE and dpop_jkt: the access token is bound to the client key, userinfo and refresh with the same key', async () => {
    const config = await client.discovery(new URL(s.issuer), PUBLIC_CLIENT, {}, client.None(), { execute: [client.allowInsecureRequests] });
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

  it('client credentials with an Ed25519 key', async () => {
    const config = await client.discovery(new URL(s.issuer), CONFIDENTIAL_CLIENT, { client_secret: CONFIDENTIAL_SECRET },
      client.ClientSecretBasic(CONFIDENTIAL_SECRET), { execute: [client.allowInsecureRequests] });
    const keyPair = await client.randomDPoPKeyPair('EdDSA');
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read_inbox' }, { DPoP: client.getDPoPHandle(config, keyPair) });
    assert.equal(tokens.token_type, 'dpop');
    assert.deepEqual(jwtClaims(tokens.access_token).cnf, { jkt: await calculateJwkThumbprint(await exportJWK(keyPair.publicKey)) });
  });
});

describe('oauth4webapi with DPoP', () => {
  const insecure = { [oauth.allowInsecureRequests]: true };

  async function discover(server: string): Promise<oauth.AuthorizationServer> {
    const issuer = new URL(issuerOf(server));
    return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  }

  /** oauth4webapi leaves the nonce retry to the caller: once, as its documentation shows. */
  async function withNonceRetry<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (!oauth.isDPoPNonceError(err)) throw err;
      return run();
    }
  }

  it('code flow with PKCE, refresh with the same key, and userinfo', async () => {
    const as = await discover('default');
    const c: oauth.Client = { client_id: PUBLIC_CLIENT };
    const keyPair = await oauth.generateKeyPair('ES256');
    const DPoP = oauth.DPoP(c, keyPair);
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'openid offline_access', state: 'st',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();
    const callback = await new UserAgent(s.url).authorize(url.toString(), USER);
    const params = oauth.validateAuthResponse(as, c, callback, 'st');
    const tokens = await oauth.processAuthorizationCodeResponse(as, c,
      await oauth.authorizationCodeGrantRequest(as, c, oauth.None(), params, REDIRECT_URI, verifier, { DPoP, ...insecure }));
    assert.equal(tokens.token_type, 'dpop');
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
    assert.deepEqual(jwtClaims(tokens.access_token).cnf, { jkt });

    const info = await oauth.processUserInfoResponse(as, c, oauth.skipSubjectCheck,
      await oauth.userInfoRequest(as, c, tokens.access_token, { DPoP, ...insecure }));
    assert.equal(info.sub, jwtClaims(tokens.access_token).sub);

    const refreshed = await oauth.processRefreshTokenResponse(as, c,
      await oauth.refreshTokenGrantRequest(as, c, oauth.None(), tokens.refresh_token!, { DPoP, ...insecure }));
    assert.equal(refreshed.token_type, 'dpop');
    assert.deepEqual(jwtClaims(refreshed.access_token).cnf, { jkt });
  });

  it('client credentials on a server that requires nonces', async () => {
    const as = await discover('strict');
    const c: oauth.Client = { client_id: CONFIDENTIAL_CLIENT };
    const DPoP = oauth.DPoP(c, await oauth.generateKeyPair('ES256'));
    const tokens = await withNonceRetry(async () => oauth.processClientCredentialsResponse(as, c,
      await oauth.clientCredentialsGrantRequest(as, c, oauth.ClientSecretBasic(CONFIDENTIAL_SECRET), { scope: 'read_inbox' }, { DPoP, ...insecure })));
    assert.equal(tokens.token_type, 'dpop');
  });
});
