/**
 * @module @pixie-auth/verify/adapters/answer
 * What both adapters do around the verifier: read the credentials, the DPoP proof and the
 * request's method and URL, and turn a failure into its status, headers and JSON body.
 */
import { VerifyError } from '../errors.js';
import { requestUrl, type DpopRequest } from '../dpop.js';
import { extractCredentials, extractPkceVerifier, type ExtractOptions, type HeaderBag } from '../extract.js';
import type { VerifiedCredential, VerifyOptions } from '../types.js';
import type { Verifier } from '../verifier.js';

export interface AdapterOptions extends VerifyOptions, ExtractOptions {
  /** The realm named in WWW-Authenticate (default "api"). */
  realm?: string;
}

/** What an adapter knows of the request. */
export interface SeenRequest {
  headers: HeaderBag;
  query: unknown;
  method: string;
  /** Path and query as received. */
  path: string;
  protocol: string;
  host: string;
}

export async function authenticate(verifier: Verifier, options: AdapterOptions, req: SeenRequest): Promise<VerifiedCredential> {
  const presented = extractCredentials(req.headers, req.query, options);
  const dpop: DpopRequest = {
    scheme: presented.scheme, proof: presented.proof, method: req.method,
    url: requestUrl(req.path, req, verifier.dpop.publicBaseUrl),
  };
  return verifier.verify(presented.token, { ...options, pkceVerifier: extractPkceVerifier(req.headers), dpop });
}

/** The answer to a failed verification: RFC 6750 §3, or RFC 9449 §7.1 and §9 for DPoP. */
export function failure(err: VerifyError, verifier: Verifier, options: AdapterOptions): { status: number; headers: Record<string, string>; body: unknown } {
  // Failures before the verifier (a second DPoP header) are DPoP answers too.
  if (!err.dpop && (err.code === 'invalid_dpop_proof' || verifier.dpop.required)) err.dpop = { algs: verifier.dpop.algorithms };
  const headers: Record<string, string> = {
    'www-authenticate': err.wwwAuthenticate(options.realm, { resourceMetadata: verifier.resourceMetadataUrl, scope: options.scopes }),
    'cache-control': 'no-store',
  };
  if ('nonce' in err && typeof err.nonce === 'string') headers['dpop-nonce'] = err.nonce;
  return { status: err.status, headers, body: err.toJSON() };
}
