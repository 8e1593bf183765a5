/**
 * DPoP proofs (RFC 9449 §4.2) for the load generator, one per request. autocannon builds each
 * request synchronously, so the proof is signed with node:crypto's synchronous ECDSA (jose's
 * signing is async); the JWS is the same: ES256, `typ: dpop+jwt`, the public key in `jwk`.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type JsonWebKey, type KeyObject } from 'node:crypto';

/** The private JWK of an ES256 key (JSON, so that it travels to the load generator in a job). */
export type DpopJwk = JsonWebKey;

export interface DpopSpec {
  jwk: DpopJwk;
  htm: 'GET' | 'POST';
  /** The full URL the request goes to. */
  htu: string;
}

export function newDpopJwk(): DpopJwk {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const signers = new Map<string, { key: KeyObject; header: string }>();

/** A new proof: fresh `jti` and `iat` every call, so that no two requests send the same one. */
export function dpopProof(spec: DpopSpec): string {
  let signer = signers.get(spec.jwk.x!);
  if (!signer) {
    const { kty, crv, x, y } = spec.jwk;
    signer = { key: createPrivateKey({ key: spec.jwk, format: 'jwk' }), header: b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } }) };
    signers.set(spec.jwk.x!, signer);
  }
  const input = `${signer.header}.${b64({ jti: randomBytes(12).toString('base64url'), htm: spec.htm, htu: spec.htu, iat: Math.floor(Date.now() / 1000) })}`;
  // JWS ES256 is the raw r||s pair (RFC 7518 §3.4), not DER.
  return `${input}.${sign('sha256', Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}
