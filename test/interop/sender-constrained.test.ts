/**
 * DPoP with the flows security profiles pair it with, through openid-client 6 as an app would use
 * it: a pushed authorization request whose DPoP proof binds the code (RFC 9126 + RFC 9449 §10.1),
 * and the device authorization grant (RFC 8628) ending in a DPoP-bound token used at userinfo.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint, decodeJwt, exportJWK } from 'jose';
import * as client from 'openid-client';
import type { ImportFileData } from '../../src/import/schema.js';
import { DEVICE_CLIENT, deviceClients, enterDeviceCode } from '../helpers/device.js';
import { makeProof, proofKey } from '../helpers/dpop.js';
import { FIXTURE, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { postForm } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

let s: TestServer;
before(async () => {
  const data: ImportFileData = structuredClone(FIXTURE);
  data.tenants[0]!.servers![0]!.clients!.push(...(deviceClients() as never[]));
  s = await startTestServer({ imports: [data] });
});
after(async () => { await s.close(); });

const insecure = { execute: [client.allowInsecureRequests] };

async function thumbprint(keys: CryptoKeyPair): Promise<string> {
  return calculateJwkThumbprint(await exportJWK(keys.publicKey));
}

/** A pushed request with the DPoP handle `pushed`, signed in, exchanged with the handle `exchange`. */
async function parFlow(pushed: client.DPoPHandle, exchange: client.DPoPHandle) {
  const config = await client.discovery(new URL(s.issuer), PUBLIC_CLIENT, {}, client.None(), insecure);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: REDIRECT_URI, scope: 'openid', state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  }, { DPoP: pushed });
  assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
  const callback = await new UserAgent(s.url).authorize(url.toString(), USER);
  return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP: exchange });
}

describe('openid-client 6: PAR with a DPoP proof (RFC 9449 §10.1)', () => {
  it('the proof on the push binds the code: the token is DPoP-bound to that key', async () => {
    const config = await client.discovery(new URL(s.issuer), PUBLIC_CLIENT, {}, client.None(), insecure);
    const keys = await client.randomDPoPKeyPair();
    const dpop = client.getDPoPHandle(config, keys);
    const tokens = await parFlow(dpop, dpop);
    assert.equal(tokens.token_type.toLowerCase(), 'dpop');
    assert.deepEqual(decodeJwt(tokens.access_token).cnf, { jkt: await thumbprint(keys) });
  });

  it('a code pushed with one key cannot be exchanged with another (invalid_grant)', async () => {
    const config = await client.discovery(new URL(s.issuer), PUBLIC_CLIENT, {}, client.None(), insecure);
    const pushed = client.getDPoPHandle(config, await client.randomDPoPKeyPair());
    const other = client.getDPoPHandle(config, await client.randomDPoPKeyPair());
    await assert.rejects(parFlow(pushed, other), (err: Error & { error?: string }) => {
      assert.equal(err.error, 'invalid_grant');
      return true;
    });
  });

  it('a push whose dpop_jkt names another key than its proof is refused (invalid_dpop_proof)', async () => {
    const key = await proofKey();
    const other = await proofKey();
    const res = await postForm(`${s.issuer}/oauth2/par`, {
      client_id: PUBLIC_CLIENT, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', dpop_jkt: other.jkt,
    }, { dpop: await makeProof(key, { htu: `${s.issuer}/oauth2/par` }) });
    assert.equal(res.status, 400);
    assert.equal((await res.json() as { error: string }).error, 'invalid_dpop_proof');
  });
});

describe('openid-client 6: device authorization grant with DPoP', () => {
  it('polls with proofs, gets a DPoP-bound token and calls userinfo with it', async () => {
    const config = await client.discovery(new URL(s.issuer), DEVICE_CLIENT, {}, client.None(), insecure);
    const keys = await client.randomDPoPKeyPair();
    const dpop = client.getDPoPHandle(config, keys);
    const started = await client.initiateDeviceAuthorization(config, { scope: 'openid profile' });
    const done = await enterDeviceCode(s, started.user_code);
    assert.equal(done.headers.get('location'), `${s.issuer}/device/done?result=approved`);
    const tokens = await client.pollDeviceAuthorizationGrant(config, { ...started, interval: 0 }, undefined, { DPoP: dpop });
    assert.equal(tokens.token_type.toLowerCase(), 'dpop');
    assert.deepEqual(decodeJwt(tokens.access_token).cnf, { jkt: await thumbprint(keys) });
    const sub = tokens.claims()!.sub;
    const info = await client.fetchUserInfo(config, tokens.access_token, sub, { DPoP: dpop });
    assert.equal(info.sub, sub);
    // Without its proof the bound token is refused.
    const bare = await fetch(`${s.issuer}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(bare.status, 401);
  });
});
