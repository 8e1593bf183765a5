/**
 * The verifier's key set against a small node:http JWKS server that counts its requests and can
 * fail or hang: the unknown-kid refetch limit, serving the last key set while the issuer is
 * unreachable, the request timeout, and asymmetric algorithms only.
 * (test/verify/verifier.test.ts checks key rotation against Pixie itself.)
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createVerifier, InvalidTokenError, VerifierUnavailableError, type VerifierOptions } from '../../packages/verify/src/index.js';
import { rejection } from '../helpers/verify.js';

let server: Server;
let issuer = '';
let mode: 'ok' | 'error' | 'hang' = 'ok';
let jwksRequests = 0;
const published: JWK[] = [];
const keys = new Map<string, CryptoKey>();
let clock = Math.floor(Date.now() / 1000);

before(async () => {
  for (const kid of ['k1', 'unpublished']) {
    const pair = await generateKeyPair('ES256');
    keys.set(kid, pair.privateKey as CryptoKey);
    if (kid === 'k1') published.push({ ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' });
  }
  server = createServer((req, res) => {
    if (req.url !== '/jwks') return res.writeHead(404).end();
    jwksRequests++;
    if (mode === 'hang') return; // never answers; closed in after()
    if (mode === 'error') return res.writeHead(500).end('{"error":"down"}');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => { mode = 'ok'; jwksRequests = 0; });

function verifier(extra: Partial<VerifierOptions> = {}) {
  return createVerifier({ issuer, endpoints: { jwksUri: `${issuer}/jwks` }, now: () => clock, ...extra });
}

async function token(kid: string, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ client_id: 'c', scope: 'read_inbox' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid, ...header })
    .setIssuer(issuer).setSubject('c').setIssuedAt().setExpirationTime('1h')
    .sign(keys.get(kid) ?? keys.get('k1')!);
}

describe('verifier key set: unknown kids', () => {
  it('a stream of forged kids causes at most one JWKS request per cooldown', async () => {
    const v = verifier({ jwksCooldownSeconds: 30 });
    await v.verify(await token('k1'));
    assert.equal(jwksRequests, 1);
    // Each forged token names a different kid, signed by a key the issuer never published.
    const forged = await Promise.all(Array.from({ length: 40 }, (_, i) => token(`forged-${i}`)));
    const burst = await Promise.all(forged.slice(0, 20).map((t) => rejection(v.verify(t))));
    for (const t of forged.slice(20)) burst.push(await rejection(v.verify(t)));
    for (const err of burst) {
      assert.ok(err instanceof InvalidTokenError);
      assert.equal(err.reason, 'unknown_key');
    }
    assert.equal(jwksRequests, 2, 'one refetch for the whole stream');
    assert.equal(v.jwksFetches, jwksRequests, 'the counter matches what the issuer saw');
    await v.verify(await token('k1')); // known keys keep verifying without a request

    clock += 31;
    await Promise.all(forged.map((t) => rejection(v.verify(t))));
    assert.equal(jwksRequests, 3, 'after the cooldown one more refetch, however many tokens');
    assert.equal(v.jwksFetches, 3);
  });
});

describe('verifier key set: issuer unreachable', () => {
  it('keeps verifying with the last key set, and refuses unknown kids with 503 instead of 401', async () => {
    const v = verifier({ maxAgeSeconds: 0 }); // every verification asks the issuer again
    await v.verify(await token('k1'));
    mode = 'error';
    const who = await v.verify(await token('k1'));
    assert.equal(who.subject, 'c');
    assert.equal(jwksRequests, 2, 'the issuer was asked and failed');
    const err = await rejection(v.verify(await token('unpublished')));
    assert.ok(err instanceof VerifierUnavailableError);
    assert.equal(err.status, 503);
    assert.match(err.description, /answered 500/);
    mode = 'ok';
    assert.equal((await rejection(v.verify(await token('unpublished')))).reason, 'unknown_key', 'back to 401 once the issuer answers');
  });

  it('answers 503 while no key set was ever fetched, and recovers as soon as the issuer answers', async () => {
    mode = 'error';
    const v = verifier();
    const err = await rejection(v.verify(await token('k1')));
    assert.ok(err instanceof VerifierUnavailableError);
    assert.equal(err.reason, 'unknown_key');
    mode = 'ok';
    await v.verify(await token('k1'));
  });

  it('gives up on a JWKS request after timeoutMs with 503', async () => {
    mode = 'hang';
    const err = await rejection(verifier({ timeoutMs: 200 }).verify(await token('k1')));
    assert.ok(err instanceof VerifierUnavailableError);
    assert.match(err.description, /cannot reach .*\/jwks/);
  });
});

describe('verifier key set: algorithms', () => {
  it('never accepts an HS256 token, even one keyed with the public key (algorithm confusion)', async () => {
    const jwk = published[0]!;
    const secret = new TextEncoder().encode(JSON.stringify(jwk));
    const hs = await new SignJWT({ client_id: 'c' }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' })
      .setIssuer(issuer).setSubject('c').setExpirationTime('1h').sign(secret);
    const err = await rejection(verifier().verify(hs));
    assert.ok(err instanceof InvalidTokenError);
    assert.equal(err.reason, 'signature');
    assert.equal(jwksRequests, 0, 'refused before any key is looked up');
  });
});
