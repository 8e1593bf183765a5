/** DPoP proof rules (RFC 9449 §4.3, §8, §11) on a clock the test moves: unit tests on in-memory ports. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DPOP_NONCE_SLOT, currentDpopNonce } from '../../../src/core/dpop/nonce.js';
import { checkDpopProof, DPOP_IAT_WINDOW, type DpopCheckOptions } from '../../../src/core/dpop/proof.js';
import { OAuthError } from '../../../src/core/errors.js';
import { handleTokenRequest } from '../../../src/core/token/endpoint.js';
import { defaultGrantRegistry } from '../../../src/core/token/registry.js';
import { makeProof, proofKey } from '../../helpers/dpop.js';
import { basic, ISSUER, rejectsWith, world, type World } from './world.js';

const URL_ = `${ISSUER}/oauth2/token`;
const opts: DpopCheckOptions = { nonceRequired: false, status: 400 };

async function check(w: World, proof: string, o: Partial<DpopCheckOptions> = {}) {
  return checkDpopProof(w.deps, await w.rs(), { proofs: [proof], method: 'POST', url: URL_ }, { ...opts, ...o });
}

describe('DPoP proofs', () => {
  it('RFC 9449 §4.3 step 11: iat within the window around the server clock, else invalid_dpop_proof', async () => {
    const w = await world();
    const key = await proofKey();
    const now = w.clock.now();
    assert.ok(await check(w, await makeProof(key, { htu: URL_, iat: now - DPOP_IAT_WINDOW })));
    assert.ok(await check(w, await makeProof(key, { htu: URL_, iat: now + DPOP_IAT_WINDOW })));
    await rejectsWith(check(w, await makeProof(key, { htu: URL_, iat: now - DPOP_IAT_WINDOW - 10 })), 'invalid_dpop_proof', /iat/);
    await rejectsWith(check(w, await makeProof(key, { htu: URL_, iat: now + DPOP_IAT_WINDOW + 10 })), 'invalid_dpop_proof', /iat/);
  });

  it('RFC 9449 §11.1: a jti is refused while its proof could be accepted, and a purged one is refused for its iat', async () => {
    const w = await world();
    const proof = await makeProof(await proofKey(), { htu: URL_, iat: w.clock.now() });
    assert.ok(await check(w, proof));
    await rejectsWith(check(w, proof), 'invalid_dpop_proof', /used before/);
    w.clock.advance(DPOP_IAT_WINDOW * 3);
    const counts = await w.stores.purge.purgeExpired({ expiredBefore: w.clock.now(), loginFailuresBefore: 0, now: w.clock.now() });
    assert.equal(counts.dpopJtis, 1);
    await rejectsWith(check(w, proof), 'invalid_dpop_proof', /iat/);
  });

  it('RFC 9449 §8: a nonce lives for its slot and the next; then use_dpop_nonce names the new one', async () => {
    const w = await world({ dpop: 'require' });
    const rs = await w.rs();
    const key = await proofKey();
    const proof = () => makeProof(key, { htu: URL_, iat: w.clock.now(), nonce });
    const nonce = await currentDpopNonce(w.deps, rs);
    assert.ok(await check(w, await proof(), { nonceRequired: true }));
    w.clock.advance(DPOP_NONCE_SLOT);
    assert.ok(await check(w, await proof(), { nonceRequired: true }), 'the previous slot\'s nonce is still good');
    w.clock.advance(DPOP_NONCE_SLOT);
    const err = await check(w, await proof(), { nonceRequired: true }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof OAuthError);
    assert.equal(err.error, 'use_dpop_nonce');
    assert.equal(err.dpopNonce, await currentDpopNonce(w.deps, rs));
    assert.notEqual(err.dpopNonce, nonce, 'nonces rotate');
  });

  it('RFC 9449 §11.3: a nonce is one server\'s: another server\'s is refused', async () => {
    const w = await world({ dpop: 'require' });
    const rs = await w.rs();
    const elsewhere = await currentDpopNonce(w.deps, { ...rs, server: { ...rs.server, id: 'other' } });
    const proof = await makeProof(await proofKey(), { htu: URL_, iat: w.clock.now(), nonce: elsewhere });
    await rejectsWith(check(w, proof, { nonceRequired: true }), 'use_dpop_nonce');
  });

  it('RFC 9449 §7.1: at a protected resource, ath must be the hash of the presented token; errors are 401', async () => {
    const w = await world();
    const key = await proofKey();
    const err = await check(w, await makeProof(key, { htu: URL_, iat: w.clock.now(), accessToken: 'other' }), { accessToken: 'token', status: 401 })
      .then(() => null, (e: unknown) => e);
    assert.ok(err instanceof OAuthError);
    assert.deepEqual([err.error, err.status], ['invalid_dpop_proof', 401]);
    assert.ok(await check(w, await makeProof(key, { htu: URL_, iat: w.clock.now(), accessToken: 'token' }), { accessToken: 'token', status: 401 }));
  });

  it('RFC 9449 §5: the token endpoint binds client_credentials tokens to the proof key', async () => {
    const w = await world();
    const key = await proofKey();
    const answer = await handleTokenRequest(w.deps, defaultGrantRegistry(), await w.rs(), {
      params: { grant_type: 'client_credentials', scope: 'read_inbox' }, authorization: basic('svc', w.secrets.svc!), policy: w.policy,
      dpop: { proofs: [await makeProof(key, { htu: URL_, iat: w.clock.now() })], method: 'POST', url: URL_ },
    });
    assert.equal(answer.token_type, 'DPoP');
    assert.deepEqual(JSON.parse(Buffer.from(answer.access_token.split('.')[1]!, 'base64url').toString()).cnf, { jkt: key.jkt });
  });
});
