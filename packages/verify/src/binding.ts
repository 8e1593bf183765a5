/**
 * @module @pixie-auth/verify/binding
 * Challenge-code binding: a token issued for a PKCE challenge is only
 * usable by whoever also presents the matching code_verifier (header `PKCE-Verifier`).
 * JWTs carry the challenge as `cnf: { "pkce#S256": challenge }`; introspection answers carry
 * `code_challenge` and `code_challenge_method`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidTokenError } from './errors.js';
import { isObject } from './http.js';

export interface BoundChallenge {
  challenge: string;
  method: 'S256' | 'plain';
}

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export function challengeFromClaims(claims: Record<string, unknown>): BoundChallenge | null {
  const cnf = claims.cnf;
  if (isObject(cnf)) {
    if (typeof cnf['pkce#S256'] === 'string') return { challenge: cnf['pkce#S256'], method: 'S256' };
    if (typeof cnf['pkce#plain'] === 'string') return { challenge: cnf['pkce#plain'], method: 'plain' };
  }
  if (typeof claims.code_challenge === 'string') {
    return { challenge: claims.code_challenge, method: claims.code_challenge_method === 'plain' ? 'plain' : 'S256' };
  }
  return null;
}

/** RFC 7636 §4.6 applied to a presented token: throws unless the verifier hashes to the challenge. */
export function checkBinding(bound: BoundChallenge, verifier: string | undefined): void {
  if (verifier === undefined || verifier === '') {
    throw new InvalidTokenError('binding_required', 'this token is bound to a PKCE challenge: send its code_verifier in the PKCE-Verifier header');
  }
  if (!VERIFIER.test(verifier)) throw new InvalidTokenError('binding_mismatch', 'the PKCE-Verifier header must be 43-128 characters of [A-Za-z0-9-._~]');
  const computed = bound.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  const a = Buffer.from(computed);
  const b = Buffer.from(bound.challenge);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new InvalidTokenError('binding_mismatch', 'the PKCE-Verifier does not match the challenge this token is bound to');
  }
}
