/** DPoP proofs made by hand (RFC 9449 §4.2), for the cases real clients never send. */
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, SignJWT, type JWK } from 'jose';

export interface ProofKey {
  alg: 'ES256' | 'EdDSA' | 'RS256';
  privateKey: CryptoKey | import('node:crypto').KeyObject;
  publicJwk: JWK;
  privateJwk: JWK;
  jkt: string;
}

export async function proofKey(alg: ProofKey['alg'] = 'ES256'): Promise<ProofKey> {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = await exportJWK(pair.publicKey);
  return { alg, privateKey: pair.privateKey, publicJwk, privateJwk: await exportJWK(pair.privateKey), jkt: await calculateJwkThumbprint(publicJwk) };
}

export interface ProofOptions {
  htm?: string;
  htu: string;
  iat?: number;
  jti?: string;
  nonce?: string;
  /** The access token a resource request presents (its hash becomes `ath`). */
  accessToken?: string;
  /** Header overrides: another typ, alg or jwk. */
  header?: Record<string, unknown>;
  /** Claims to leave out or replace. */
  claims?: Record<string, unknown>;
}

export function ath(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export async function makeProof(key: ProofKey, o: ProofOptions): Promise<string> {
  const claims: Record<string, unknown> = {
    htm: o.htm ?? 'POST', htu: o.htu, iat: o.iat ?? Math.floor(Date.now() / 1000), jti: o.jti ?? randomUUID(),
    ...(o.nonce !== undefined ? { nonce: o.nonce } : {}), ...(o.accessToken !== undefined ? { ath: ath(o.accessToken) } : {}), ...o.claims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...o.header } as never)
    .sign(key.privateKey);
}

/** The payload of a JWT, unverified (the tests verify signatures where that is the point). */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}
