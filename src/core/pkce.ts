/** RFC 7636 PKCE checks. */
import { safeEqual, sha256Base64url } from '../crypto/digest.js';
import { InvalidGrant, InvalidRequest } from './errors.js';

export type PkceMethod = 'S256' | 'plain';

/** RFC 7636 §4.1/§4.2: 43–128 characters of [A-Za-z0-9-._~]. Challenges of S256 are 43 chars. */
const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

export function isValidPkceValue(value: string): boolean {
  return PKCE_VALUE.test(value);
}

/**
 * Validate a challenge at the authorization endpoint. RFC 7636 §4.3: a missing method
 * means `plain`, which is refused unless the server allows it (RFC 9700 §2.1.1).
 */
export function checkChallenge(challenge: string, method: string | undefined, allowPlain: boolean): PkceMethod {
  const m = method ?? 'plain';
  if (m !== 'S256' && m !== 'plain') throw new InvalidRequest(`code_challenge_method "${m.slice(0, 20)}" is not supported; use S256`);
  if (m === 'plain' && !allowPlain) {
    throw new InvalidRequest('code_challenge_method must be S256 (plain is not allowed on this server)');
  }
  if (!isValidPkceValue(challenge)) throw new InvalidRequest('code_challenge must be 43-128 characters of [A-Za-z0-9-._~]');
  return m;
}

export function challengeFor(verifier: string, method: PkceMethod): string {
  return method === 'S256' ? sha256Base64url(verifier) : verifier;
}

/** RFC 7636 §4.6: the verifier must transform to the stored challenge. */
export function verifyPkce(verifier: string | undefined, challenge: string, method: PkceMethod): void {
  if (verifier === undefined) throw new InvalidGrant('code_verifier is required for this code (PKCE)');
  if (!isValidPkceValue(verifier)) throw new InvalidGrant('code_verifier must be 43-128 characters of [A-Za-z0-9-._~]');
  if (!safeEqual(challengeFor(verifier, method), challenge)) throw new InvalidGrant('code_verifier does not match the code_challenge');
}
