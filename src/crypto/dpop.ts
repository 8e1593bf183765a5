/**
 * The JOSE half of a DPoP proof (RFC 9449 §4.2, §4.3 steps 2–7): a JWT of type `dpop+jwt`,
 * signed with an asymmetric alg by the private key of the public JWK in its own header. What
 * the claims must say about the request (htm, htu, iat, jti, nonce, ath) is core's to check.
 * jose is loaded at the first proof, as for every other verification.
 */
import { sha256Base64url } from './digest.js';

/**
 * The algs Pixie accepts in proofs: no `none`, no HMAC (a proof proves a private key).
 * `Ed25519` is the fully-specified name of EdDSA over Ed25519 (RFC 9864) that oauth4webapi signs with.
 */
export const DPOP_ALGS = ['ES256', 'EdDSA', 'Ed25519', 'RS256', 'PS256'] as const;

/** RFC 7517/7518 private key members: a proof's header carries a public key only. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export interface DpopProofClaims {
  jti: string;
  htm: string;
  htu: string;
  iat: number;
  ath?: string;
  nonce?: string;
}

export interface VerifiedDpopProof {
  claims: DpopProofClaims;
  /** RFC 7638 SHA-256 thumbprint of the proof's key, base64url. */
  jkt: string;
}

/** Why a proof was refused: the message is safe to send back (it names the fault, never the key). */
export class DpopProofError extends Error {}

function decodeHeader(proof: string): Record<string, unknown> {
  const dot = proof.indexOf('.');
  try {
    const header: unknown = JSON.parse(Buffer.from(proof.slice(0, dot), 'base64url').toString('utf8'));
    if (header && typeof header === 'object' && !Array.isArray(header)) return header as Record<string, unknown>;
  } catch {
    // Named below.
  }
  throw new DpopProofError('the DPoP proof header is not a JSON object');
}

/** Checks everything a proof says about itself; throws DpopProofError naming the first fault. */
export async function verifyDpopProofJwt(proof: string): Promise<VerifiedDpopProof> {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(proof)) throw new DpopProofError('the DPoP proof is not a signed JWT');
  const header = decodeHeader(proof);
  // Checked here, before jose, so that each fault gets its own message.
  if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== 'dpop+jwt') throw new DpopProofError('the DPoP proof typ must be "dpop+jwt"');
  if (!(DPOP_ALGS as readonly unknown[]).includes(header.alg)) {
    throw new DpopProofError(`the DPoP proof alg must be one of ${DPOP_ALGS.join(', ')}`);
  }
  const jwk = header.jwk;
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) throw new DpopProofError('the DPoP proof header has no jwk');
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw new DpopProofError('the DPoP proof jwk must be a public key without private members');
  const { EmbeddedJWK, calculateJwkThumbprint, errors, jwtVerify } = await import('jose');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_ALGS] }));
  } catch (err) {
    // jose checks registered claims (exp, nbf, iat types) as well as the signature: name which.
    if (err instanceof errors.JWTExpired) throw new DpopProofError('the DPoP proof has expired (its exp is past)');
    if (err instanceof errors.JWTClaimValidationFailed) throw new DpopProofError(`the DPoP proof claim ${err.claim} is not valid: ${err.reason}`);
    if (err instanceof errors.JWSSignatureVerificationFailed) throw new DpopProofError('the DPoP proof signature does not verify with its jwk');
    throw new DpopProofError('the DPoP proof cannot be verified with its jwk (a key that does not fit its alg, or a malformed proof)');
  }
  const { jti, htm, htu, iat, ath, nonce } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw new DpopProofError('the DPoP proof needs a jti (a string of at most 256 characters)');
  if (typeof htm !== 'string') throw new DpopProofError('the DPoP proof needs htm, the HTTP method');
  if (typeof htu !== 'string') throw new DpopProofError('the DPoP proof needs htu, the HTTP URL');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new DpopProofError('the DPoP proof needs iat, a number of seconds');
  if (ath !== undefined && typeof ath !== 'string') throw new DpopProofError('the DPoP proof ath must be a string');
  if (nonce !== undefined && typeof nonce !== 'string') throw new DpopProofError('the DPoP proof nonce must be a string');
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    claims: { jti, htm, htu, iat, ...(ath !== undefined ? { ath } : {}), ...(nonce !== undefined ? { nonce } : {}) },
    jkt,
  };
}

/** RFC 9449 §4.2 `ath`: the base64url SHA-256 of the access token's ASCII. */
export function accessTokenHash(token: string): string {
  return sha256Base64url(token);
}
