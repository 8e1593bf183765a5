/**
 * DPoP (RFC 9449) in @pixie-auth/verify, against a small stand-in issuer that publishes its key
 * set and answers introspection: access tokens signed here with `cnf.jkt`, proofs made with jose,
 * a fake clock for `iat`. Every check of RFC 9449 §4.3 and §7.1 once accepted and once refused,
 * the replay store, nonces (§9), and the Fastify and Express adapters over real HTTP.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import {
  createVerifier, expressAuth, fastifyAuth, memoryReplayStore, rotatingNonces,
  type DpopReplayStore, type FastifyLikeRequest, type VerifierOptions,
} from '../../packages/verify/src/index.js';
import { startStandInIssuer, type StandInIssuer } from '../helpers/stand-in-issuer.js';
import { rejection } from '../helpers/verify.js';

let issuer = '';
let issuerKey: CryptoKey;
let clock = Math.floor(Date.now() / 1000);
const now = () => clock;
const OPAQUE = 'opaque-dpop-bound-token';
const URL_INBOX = 'https://api.example.com/inbox';

interface ProofKey { alg: string; privateKey: CryptoKey; jwk: JWK; jkt: string }
async function proofKey(alg: 'ES256' | 'EdDSA' | 'Ed25519' | 'RS256' | 'ES384'): Promise<ProofKey> {
  const pair = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(pair.publicKey);
  return { alg, privateKey: pair.privateKey as CryptoKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}
let key: ProofKey;
let other: ProofKey;

let stand: StandInIssuer;
before(async () => {
  key = await proofKey('ES256');
  other = await proofKey('ES256');
  // RFC 9449 §6.2: introspection names the key in cnf.jkt and the token type DPoP.
  stand = await startStandInIssuer((token) => (token === OPAQUE
    ? { active: true, client_id: 'c', sub: 'c', scope: 'read_inbox', exp: clock + 600, token_type: 'DPoP', cnf: { jkt: key.jkt } }
    : { active: false }));
  issuer = stand.issuer;
  issuerKey = stand.privateKey;
});
after(() => stand.close());

async function accessToken(jkt: string | null, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ client_id: 'c', scope: 'read_inbox', ...(jkt ? { cnf: { jkt } } : {}), ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' }).setIssuer(issuer).setSubject('c')
    .setIssuedAt(clock).setExpirationTime(clock + 600).sign(issuerKey);
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

interface ProofInput { token?: string; htm?: string; htu?: string; iat?: number; jti?: string | null; nonce?: string; ath?: string | null; typ?: string; jwk?: JWK }
async function proof(k: ProofKey, input: ProofInput = {}): Promise<string> {
  const claims: Record<string, unknown> = { htm: input.htm ?? 'GET', htu: input.htu ?? URL_INBOX, iat: input.iat ?? clock };
  if (input.jti !== null) claims.jti = input.jti ?? randomUUID();
  if (input.ath !== null && (input.ath !== undefined || input.token !== undefined)) claims.ath = input.ath ?? ath(input.token!);
  if (input.nonce !== undefined) claims.nonce = input.nonce;
  return new SignJWT(claims).setProtectedHeader({ alg: k.alg, typ: input.typ ?? 'dpop+jwt', jwk: input.jwk ?? k.jwk }).sign(k.privateKey);
}

const verifierFor = (options: Partial<VerifierOptions> = {}) => createVerifier({ issuer, now, ...options });
const dpopRequest = (p: string | undefined, method = 'GET', url = URL_INBOX) => ({ scheme: 'DPoP' as const, proof: p, method, url });

describe('DPoP-bound tokens (RFC 9449 §7.1)', () => {
  it('a bound JWT with a proof for this request is accepted; the credential names the key', async () => {
    const v = verifierFor();
    const token = await accessToken(key.jkt);
    const who = await v.verify(token, { dpop: dpopRequest(await proof(key, { token })), scopes: ['read_inbox'] });
    assert.equal(who.dpopJkt, key.jkt);
    assert.equal(who.subject, 'c');
    // The query string is not part of htu (RFC 9449 §4.3 step 9), and normalisation applies.
    const p = await proof(key, { token, htu: 'HTTPS://API.example.com:443/inbox' });
    assert.equal((await v.verify(token, { dpop: dpopRequest(p, 'GET', `${URL_INBOX}?page=2`) })).dpopJkt, key.jkt);
  });

  it('EdDSA (also named Ed25519) and RS256 proofs are accepted; ES384 only when configured', async () => {
    for (const alg of ['EdDSA', 'Ed25519', 'RS256'] as const) {
      const k = await proofKey(alg);
      const token = await accessToken(k.jkt);
      assert.equal((await verifierFor().verify(token, { dpop: dpopRequest(await proof(k, { token })) })).dpopJkt, k.jkt, alg);
    }
    const k = await proofKey('ES384');
    const token = await accessToken(k.jkt);
    const err = await rejection(verifierFor().verify(token, { dpop: dpopRequest(await proof(k, { token })) }));
    assert.equal(err.code, 'invalid_dpop_proof');
    assert.equal(err.wwwAuthenticate(), 'DPoP realm="api", error="invalid_dpop_proof", error_description="the proof must be signed with one of ES256, EdDSA, Ed25519, RS256, PS256", algs="ES256 EdDSA Ed25519 RS256 PS256"');
    const v384 = verifierFor({ dpop: { algorithms: ['ES384'] } });
    assert.equal((await v384.verify(token, { dpop: dpopRequest(await proof(k, { token })) })).dpopJkt, k.jkt);
    assert.throws(() => verifierFor({ dpop: { algorithms: ['HS256' as 'ES256'] } }), /dpop.algorithms/);
    assert.throws(() => verifierFor({ dpop: { publicBaseUrl: 'api.example.com' } }), /dpop.publicBaseUrl must be an absolute http\(s\) URL/);
    assert.throws(() => verifierFor({ dpop: { publicBaseUrl: 'https://api.example.com/?x=1' } }), /without query or fragment/);
  });

  it('a bound token sent as a Bearer token is refused, proof or not', async () => {
    const v = verifierFor();
    const token = await accessToken(key.jkt);
    for (const p of [undefined, await proof(key, { token })]) {
      const err = await rejection(v.verify(token, { dpop: { scheme: 'Bearer', proof: p, method: 'GET', url: URL_INBOX } }));
      assert.equal(err.reason, 'dpop_required');
      assert.equal(err.status, 401);
      assert.match(err.wwwAuthenticate(), /^DPoP realm="api", error="invalid_token", error_description="[^"]+", algs="ES256 EdDSA Ed25519 RS256 PS256"$/);
    }
    // Called without any request details (extractToken + verify), a bound token is refused too.
    assert.equal((await rejection(v.verify(token))).reason, 'dpop_required');
  });

  it('the DPoP scheme without a proof is invalid_dpop_proof', async () => {
    const token = await accessToken(key.jkt);
    const err = await rejection(verifierFor().verify(token, { dpop: dpopRequest(undefined) }));
    assert.equal(err.code, 'invalid_dpop_proof');
    assert.equal(err.reason, 'dpop_proof_missing');
  });

  it('a proof replayed in the last second its iat is accepted is still refused as a replay', async () => {
    const v = verifierFor();
    const token = await accessToken(key.jkt);
    const start = clock;
    try {
      const p = await proof(key, { token, iat: start });
      await v.verify(token, { dpop: dpopRequest(p) });
      clock = start + 65; // the last instant the iat window (60 s + 5 s tolerance) still accepts it
      assert.equal((await rejection(v.verify(token, { dpop: dpopRequest(p) }))).reason, 'dpop_replay');
    } finally {
      clock = start;
    }
  });

  it('a replayed proof is refused (jti seen before)', async () => {
    const v = verifierFor();
    const token = await accessToken(key.jkt);
    const p = await proof(key, { token });
    await v.verify(token, { dpop: dpopRequest(p) });
    const err = await rejection(v.verify(token, { dpop: dpopRequest(p) }));
    assert.equal(err.code, 'invalid_dpop_proof');
    assert.equal(err.reason, 'dpop_replay');
    // The same jti under another key is another proof.
    const otherToken = await accessToken(other.jkt);
    const jti = 'shared-jti';
    await v.verify(token, { dpop: dpopRequest(await proof(key, { token, jti })) });
    await v.verify(otherToken, { dpop: dpopRequest(await proof(other, { token: otherToken, jti })) });
  });

  it('a proof for another method or URL is refused', async () => {
    const v = verifierFor();
    const token = await accessToken(key.jkt);
    const post = await rejection(v.verify(token, { dpop: dpopRequest(await proof(key, { token, htm: 'POST' })) }));
    assert.deepEqual([post.code, post.reason], ['invalid_dpop_proof', 'dpop_htm']);
    const lower = await rejection(v.verify(token, { dpop: dpopRequest(await proof(key, { token, htm: 'get' })) }));
    assert.equal(lower.reason, 'dpop_htm');
    for (const htu of ['https://api.example.com/outbox', 'http://api.example.com/inbox', 'https://evil.example.com/inbox', 'not a url']) {
      const err = await rejection(v.verify(token, { dpop: dpopRequest(await proof(key, { token, htu })) }));
      assert.deepEqual([err.code, err.reason], ['invalid_dpop_proof', 'dpop_htu'], htu);
    }
  });

  it('ath must be the hash of the presented token', async () => {
    const v = verifierFor();
    const token = await accessToken(key.jkt);
    const missing = await rejection(v.verify(token, { dpop: dpopRequest(await proof(key, {})) }));
    assert.equal(missing.reason, 'dpop_ath');
    const wrong = await rejection(v.verify(token, { dpop: dpopRequest(await proof(key, { ath: ath('another token') })) }));
    assert.deepEqual([wrong.code, wrong.reason], ['invalid_dpop_proof', 'dpop_ath']);
  });

  it('a proof signed by another key than the token is bound to is invalid_token', async () => {
    const token = await accessToken(key.jkt);
    const err = await rejection(verifierFor().verify(token, { dpop: dpopRequest(await proof(other, { token })) }));
    assert.deepEqual([err.code, err.reason], ['invalid_token', 'dpop_key_mismatch']);
    assert.match(err.wwwAuthenticate(), /^DPoP .*error="invalid_token".*algs="ES256 EdDSA Ed25519 RS256 PS256"$/);
  });

  it('iat outside the window is refused; the window and skew are options', async () => {
    const token = await accessToken(key.jkt);
    const v = verifierFor();
    for (const iat of [clock - 66, clock + 6]) {
      const err = await rejection(v.verify(token, { dpop: dpopRequest(await proof(key, { token, iat })) }));
      assert.equal(err.reason, 'dpop_iat', String(iat - clock));
    }
    await v.verify(token, { dpop: dpopRequest(await proof(key, { token, iat: clock - 65 })) });
    await v.verify(token, { dpop: dpopRequest(await proof(key, { token, iat: clock + 5 })) });
    const strict = verifierFor({ dpop: { maxAgeSeconds: 10, clockToleranceSeconds: 0 } });
    assert.equal((await rejection(strict.verify(token, { dpop: dpopRequest(await proof(key, { token, iat: clock - 11 })) }))).reason, 'dpop_iat');
    assert.equal((await rejection(strict.verify(token, { dpop: dpopRequest(await proof(key, { token, iat: clock + 1 })) }))).reason, 'dpop_iat');
  });

  it('malformed proofs: typ, alg, private or missing jwk, signature, jti, several headers', async () => {
    const v = verifierFor();
    const token = await accessToken(key.jkt);
    const refused = async (p: string, label: string) => {
      const err = await rejection(v.verify(token, { dpop: dpopRequest(p) }));
      assert.deepEqual([err.code, err.reason], ['invalid_dpop_proof', 'dpop_proof_invalid'], label);
      return err;
    };
    await refused(await proof(key, { token, typ: 'JWT' }), 'typ');
    await refused(await proof(key, { token, jti: null }), 'no jti');
    const privateJwk = await exportJWK(key.privateKey);
    await refused(await proof(key, { token, jwk: privateJwk }), 'private key in jwk');
    const noJwk = await new SignJWT({ htm: 'GET', htu: URL_INBOX, iat: clock, jti: randomUUID(), ath: ath(token) })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt' }).sign(key.privateKey);
    assert.match((await refused(noJwk, 'no jwk')).description, /jwk/);
    const hs = await new SignJWT({ htm: 'GET', htu: URL_INBOX, iat: clock, jti: randomUUID(), ath: ath(token) })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } as JWK }).sign(new TextEncoder().encode('secret-secret-secret-secret-1234'));
    await refused(hs, 'HS256');
    const good = await proof(key, { token });
    const [h, , s] = good.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ htm: 'GET', htu: URL_INBOX, iat: clock, jti: 'x', ath: ath(token) })).toString('base64url')}.${s}`;
    await refused(tampered, 'signature');
    await refused(`${good}, ${await proof(key, { token })}`, 'two DPoP headers joined by the HTTP layer');
    await refused('not-a-jwt', 'garbage');
  });

  it('an unbound token sent with the DPoP scheme is refused', async () => {
    const err = await rejection(verifierFor().verify(await accessToken(null), { dpop: dpopRequest(await proof(key, {})) }));
    assert.deepEqual([err.code, err.reason], ['invalid_token', 'dpop_unbound']);
    assert.match(err.wwwAuthenticate(), /^DPoP /);
  });

  it('by default unbound bearer tokens pass and keep Bearer challenges; dpop.required refuses them', async () => {
    const token = await accessToken(null);
    const bearer = { scheme: 'Bearer' as const, method: 'GET', url: URL_INBOX };
    assert.equal((await verifierFor().verify(token, { dpop: bearer })).dpopJkt, null);
    const elsewhere = await rejection(verifierFor({ audience: 'https://other.example.com' }).verify(token, { dpop: bearer }));
    assert.match(elsewhere.wwwAuthenticate(), /^Bearer realm="api", error="invalid_token"/);

    const strict = verifierFor({ dpop: { required: true } });
    const err = await rejection(strict.verify(token, { dpop: bearer }));
    assert.equal(err.reason, 'dpop_required');
    assert.match(err.wwwAuthenticate(), /^DPoP realm="api", error="invalid_token", error_description="[^"]+", algs="ES256 EdDSA Ed25519 RS256 PS256"$/);
    const none = await rejection(strict.verify(undefined));
    assert.equal(none.wwwAuthenticate(), 'DPoP realm="api", algs="ES256 EdDSA Ed25519 RS256 PS256"');
    const bound = await accessToken(key.jkt);
    assert.equal((await strict.verify(bound, { dpop: dpopRequest(await proof(key, { token: bound })) })).dpopJkt, key.jkt);
  });

  it('an introspected token with cnf.jkt gets the same checks', async () => {
    const v = verifierFor({ introspection: { clientId: 'rs', clientSecret: 'secret' } });
    assert.equal((await rejection(v.verify(OPAQUE, { dpop: { scheme: 'Bearer', method: 'GET', url: URL_INBOX } }))).reason, 'dpop_required');
    const p = await proof(key, { token: OPAQUE });
    assert.equal((await v.verify(OPAQUE, { dpop: dpopRequest(p) })).dpopJkt, key.jkt);
    assert.equal((await rejection(v.verify(OPAQUE, { dpop: dpopRequest(p) }))).reason, 'dpop_replay');
    assert.equal((await rejection(v.verify(OPAQUE, { dpop: dpopRequest(await proof(other, { token: OPAQUE })) }))).reason, 'dpop_key_mismatch');
  });

  it('insufficient scope with a valid proof is a 403 DPoP challenge', async () => {
    const token = await accessToken(key.jkt);
    const err = await rejection(verifierFor().verify(token, { scopes: ['write_access'], dpop: dpopRequest(await proof(key, { token })) }));
    assert.equal(err.status, 403);
    assert.match(err.wwwAuthenticate(), /^DPoP realm="api", error="insufficient_scope", .*scope="write_access", algs=/);
  });
});

describe('replay stores', () => {
  it('a shared store catches a proof replayed at another process', async () => {
    const shared = new Map<string, number>();
    const store: DpopReplayStore = {
      remember: async (k, exp) => {
        if ((shared.get(k) ?? 0) > clock) return false;
        shared.set(k, exp);
        return true;
      },
    };
    const a = verifierFor({ dpop: { replayStore: store } });
    const b = verifierFor({ dpop: { replayStore: store } });
    const token = await accessToken(key.jkt);
    const p = await proof(key, { token });
    await a.verify(token, { dpop: dpopRequest(p) });
    assert.equal((await rejection(b.verify(token, { dpop: dpopRequest(p) }))).reason, 'dpop_replay');
    assert.equal(shared.size, 1);
    const [[storedKey, exp]] = [...shared];
    assert.match(storedKey!, /^[A-Za-z0-9_-]{43}$/, 'keys are hashes, not raw jti values');
    assert.equal(exp, clock + 60 + 5 + 1, 'kept a second past the last instant the proof could be accepted');
  });

  it('the memory store is bounded and never lets an evicted proof through', () => {
    let t = 1000;
    const store = memoryReplayStore({ maxEntries: 2, now: () => t });
    assert.equal(store.remember('a', 1010), true);
    assert.equal(store.remember('a', 1010), false);
    assert.equal(store.remember('b', 1011), true);
    assert.equal(store.remember('c', 1012), true, 'evicts a');
    assert.equal(store.remember('a', 1010), false, 'a was evicted unexpired: proofs as old are refused');
    assert.equal(store.remember('b', 1011), false);
    t = 1013;
    assert.equal(store.remember('d', 1030), true, 'expired entries make room');
    assert.equal(store.remember('e', 1031), true);
  });
});

describe('server nonces (RFC 9449 §9)', () => {
  it('a proof without the current nonce gets use_dpop_nonce and the nonce; with it, it passes', async () => {
    const nonces = rotatingNonces({ secret: 'a-secret-of-32-characters-long!!', periodSeconds: 60, now });
    const v = verifierFor({ dpop: { nonce: nonces } });
    const token = await accessToken(key.jkt);
    const err = await rejection(v.verify(token, { dpop: dpopRequest(await proof(key, { token })) }));
    assert.equal(err.code, 'use_dpop_nonce');
    const nonce = (err as unknown as { nonce: string }).nonce;
    assert.equal(nonce, nonces.current());
    assert.match(err.wwwAuthenticate(), /^DPoP realm="api", error="use_dpop_nonce"/);
    await v.verify(token, { dpop: dpopRequest(await proof(key, { token, nonce })) });
    const old = nonce;
    clock += 60;
    await v.verify(token, { dpop: dpopRequest(await proof(key, { token, nonce: old })) });
    clock += 60;
    const fresh = await accessToken(key.jkt);
    assert.equal((await rejection(v.verify(fresh, { dpop: dpopRequest(await proof(key, { token: fresh, nonce: old })) }))).code, 'use_dpop_nonce', 'a nonce two periods old has expired');
    assert.throws(() => rotatingNonces({ secret: 'short' }), /secret/);
  });
});

describe('adapters pass the request method and URL', () => {
  const nonces = () => rotatingNonces({ secret: 'another-secret-32-characters-long', now });

  async function checkApi(base: string, publicBase: string): Promise<void> {
    const token = await accessToken(key.jkt);
    const at = (path: string) => `${publicBase}${path}`;
    const call = async (path: string, init: { method?: string; auth?: string; proofs?: string[] }) => {
      const headers = new Headers();
      if (init.auth) headers.set('authorization', init.auth);
      for (const p of init.proofs ?? []) headers.append('dpop', p);
      return fetch(`${base}${path}`, { method: init.method ?? 'GET', headers });
    };
    const needNonce = await call('/inbox?x=1', { auth: `DPoP ${token}`, proofs: [await proof(key, { token, htu: at('/inbox') })] });
    assert.equal(needNonce.status, 401);
    assert.match(needNonce.headers.get('www-authenticate')!, /^DPoP realm="api", error="use_dpop_nonce"/);
    const nonce = needNonce.headers.get('dpop-nonce')!;
    assert.ok(nonce);

    const ok = await call('/inbox?x=1', { auth: `DPoP ${token}`, proofs: [await proof(key, { token, htu: at('/inbox'), nonce })] });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { jkt: key.jkt });

    const p = await proof(key, { token, htm: 'POST', htu: at('/write'), nonce });
    assert.equal((await call('/write', { method: 'POST', auth: `DPoP ${token}`, proofs: [p] })).status, 200);
    const replay = await call('/write', { method: 'POST', auth: `DPoP ${token}`, proofs: [p] });
    assert.equal(replay.status, 401);
    assert.match(replay.headers.get('www-authenticate')!, /^DPoP realm="api", error="invalid_dpop_proof", error_description="this DPoP proof has been used before[^"]*", algs="ES256 EdDSA Ed25519 RS256 PS256"$/);
    assert.equal((await replay.json()).error, 'invalid_dpop_proof');

    const wrongUrl = await call('/inbox', { auth: `DPoP ${token}`, proofs: [await proof(key, { token, htu: at('/write'), nonce })] });
    assert.equal(wrongUrl.status, 401);
    assert.match(wrongUrl.headers.get('www-authenticate')!, /error="invalid_dpop_proof"/);
    const wrongMethod = await call('/write', { method: 'POST', auth: `DPoP ${token}`, proofs: [await proof(key, { token, htu: at('/write'), nonce })] });
    assert.match(wrongMethod.headers.get('www-authenticate')!, /error="invalid_dpop_proof", error_description="the proof's 'htm' must be POST"/);

    const asBearer = await call('/inbox', { auth: `Bearer ${token}`, proofs: [await proof(key, { token, htu: at('/inbox'), nonce })] });
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.headers.get('www-authenticate')!, /^DPoP realm="api", error="invalid_token"/);

    const two = await call('/inbox', { auth: `DPoP ${token}`, proofs: [await proof(key, { token, htu: at('/inbox'), nonce }), await proof(key, { token, htu: at('/inbox'), nonce })] });
    assert.equal(two.status, 401);
    assert.match(two.headers.get('www-authenticate')!, /error="invalid_dpop_proof"/);

    const noToken = await call('/inbox', {});
    assert.equal(noToken.headers.get('www-authenticate'), 'Bearer realm="api"');
    const unbound = await accessToken(null);
    assert.equal((await call('/inbox', { auth: `Bearer ${unbound}` })).status, 200);
  }

  function routes(publicBaseUrl?: string) {
    return verifierFor({ dpop: { nonce: nonces(), ...(publicBaseUrl ? { publicBaseUrl } : {}) } });
  }

  it('Fastify: htu from the request, or from publicBaseUrl behind a proxy', async () => {
    for (const publicBaseUrl of [undefined, 'https://api.example.com/v1']) {
      const v = routes(publicBaseUrl);
      const app = Fastify();
      // Behind the proxy the API sees /inbox; clients call https://api.example.com/v1/inbox.
      app.get('/inbox', { preHandler: fastifyAuth(v) }, async (request) => ({ jkt: (request as FastifyLikeRequest).auth!.dpopJkt }));
      app.post('/write', { preHandler: fastifyAuth(v) }, async () => ({ ok: true }));
      await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
        await checkApi(base, publicBaseUrl ?? base);
      } finally {
        await app.close();
      }
    }
  });

  it('Express: the same answers, with the mount path in htu', async () => {
    const v = routes();
    const app = express();
    const router = express.Router();
    router.get('/inbox', expressAuth(v), (req, res) => { res.json({ jkt: (req as unknown as FastifyLikeRequest).auth!.dpopJkt }); });
    router.post('/write', expressAuth(v), (_req, res) => { res.json({ ok: true }); });
    app.use('/api', router);
    const listening = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listening.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/api`;
      await checkApi(base, base);
    } finally {
      await new Promise((resolve) => listening.close(resolve));
    }
  });
});
