/**
 * @module @pixie-auth/verify/extract
 * Where a request carries its credentials: RFC 6750 §2.1 (Authorization: Bearer) and, where
 * an API allows it, §2.3 (`access_token` query parameter, as the Stack Exchange API does).
 */
import { InvalidRequestError } from './errors.js';

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
  const header = single(headers.authorization, 'Authorization');
  let fromHeader: string | undefined;
  if (header !== undefined) {
    const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (!m) throw new InvalidRequestError('malformed', 'the Authorization header must be "Bearer <token>"');
    fromHeader = m[1];
  }
  const q = opts.allowQueryToken && typeof query === 'object' && query !== null ? (query as Record<string, unknown>).access_token : undefined;
  if (q !== undefined && typeof q !== 'string') throw new InvalidRequestError('multiple_methods', 'access_token was sent more than once');
  // RFC 6750 §2: a client must not use more than one method in a request.
  if (fromHeader !== undefined && q !== undefined) throw new InvalidRequestError('multiple_methods', 'send the access token either in the Authorization header or in the query, not both');
  return fromHeader ?? q;
}

/** The verifier of a challenge-code token (the `PKCE-Verifier` header). */
export function extractPkceVerifier(headers: HeaderBag): string | undefined {
  return single(headers['pkce-verifier'], 'PKCE-Verifier');
}
