/**
 * @module @pixie-auth/verify/adapters/express
 * Express middleware: verified credentials land on `req.auth`; failures are answered with
 * the RFC 6750 status, `WWW-Authenticate` header and a JSON error body.
 */
import { VerifyError } from '../errors.js';
import { extractPkceVerifier, extractToken, type HeaderBag } from '../extract.js';
import type { VerifiedCredential } from '../types.js';
import type { Verifier } from '../verifier.js';
import type { AdapterOptions } from './fastify.js';

export interface ExpressLikeRequest { headers: HeaderBag; query?: unknown; auth?: VerifiedCredential }
export interface ExpressLikeResponse {
  status(code: number): ExpressLikeResponse;
  set(name: string, value: string): ExpressLikeResponse;
  json(body: unknown): unknown;
}

export function expressAuth(verifier: Verifier, options: AdapterOptions = {}) {
  return function verifyRequest(req: ExpressLikeRequest, res: ExpressLikeResponse, next: (err?: unknown) => void): void {
    (async () => {
      const token = extractToken(req.headers, req.query, options);
      req.auth = await verifier.verify(token, { ...options, pkceVerifier: extractPkceVerifier(req.headers) });
    })().then(() => next(), (err: unknown) => {
      if (!(err instanceof VerifyError)) return next(err);
      res.status(err.status).set('www-authenticate', err.wwwAuthenticate(options.realm, { resourceMetadata: verifier.resourceMetadataUrl, scope: options.scopes })).set('cache-control', 'no-store').json(err.toJSON());
    });
  };
}
