/**
 * @module @pixie-auth/verify/extract
 * Where a request carries its credentials: RFC 6750 §2.1 (Authorization: Bearer) and, where
 * an API allows it, §2.3 (`access_token` query parameter, as the Stack Exchange API does).
 */
import { InvalidDpopProofError, InvalidRequestError } from './errors.js';

export type HeaderBag = Record<string, string | string[] | undefined>;

export interface ExtractOptions {
  /** Also accept `?access_token=` (RFC 6750 §2.3; off by default, URLs end up in logs). */
  allowQueryToken?: boolean;
}

function single(value: string | string[] | undefined, name: string): string | undefined {
  if (Array.isArray(value)) {
    if (value.length > 1) throw new InvalidRequestError('multiple_methods', `the ${name} header was sent more than once`);
    return value[0];
  }
  return value;
}

/** The access token of a request, or undefined when it carries none. */
export function extractToken(headers: HeaderBag, query: unknown, opts: ExtractOptions = {}): string | undefined {
  return extractCredentials(headers, query, opts).token;
}

/** A request's token, the scheme it came with, and its DPoP proof (RFC 9449 §7.1). */
export interface PresentedCredentials {
  token: string | undefined;
  /** `DPoP` for `Authorization: DPoP …`; `Bearer` otherwise (query tokens included). */
  scheme: 'Bearer' | 'DPoP';
  /** The `DPoP` header. */
  proof: string | undefined;
}

/** Like {@link extractToken}, also accepting `Authorization: DPoP <token>` and reading the `DPoP` header. */
export function extractCredentials(headers: HeaderBag, query: unknown, opts: ExtractOptions = {}): PresentedCredentials {
  const header = single(headers.authorization, 'Authorization');
  let fromHeader: string | undefined;
  let scheme: 'Bearer' | 'DPoP' = 'Bearer';
  if (header !== undefined) {
    // RFC 7235 §2.1: auth schemes are case-insensitive; both take an RFC 6750 token68.
    const m = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (!m) throw new InvalidRequestError('malformed', 'the Authorization header must be "Bearer <token>" or "DPoP <token>"');
    scheme = m[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    fromHeader = m[2];
  }
  const q = opts.allowQueryToken && typeof query === 'object' && query !== null ? (query as Record<string, unknown>).access_token : undefined;
  if (q !== undefined && typeof q !== 'string') throw new InvalidRequestError('multiple_methods', 'access_token was sent more than once');
  // RFC 6750 §2: a client must not use more than one method in a request.
  if (fromHeader !== undefined && q !== undefined) throw new InvalidRequestError('multiple_methods', 'send the access token either in the Authorization header or in the query, not both');
  const proofs = headers.dpop;
  // RFC 9449 §4.3 step 1: exactly one DPoP header.
  if (Array.isArray(proofs) && proofs.length > 1) throw new InvalidDpopProofError('dpop_proof_invalid', 'the DPoP header was sent more than once');
  return { token: fromHeader ?? q, scheme, proof: Array.isArray(proofs) ? proofs[0] : proofs };
}

/** The verifier of a challenge-code token (the `PKCE-Verifier` header). */
export function extractPkceVerifier(headers: HeaderBag): string | undefined {
  return single(headers['pkce-verifier'], 'PKCE-Verifier');
}
