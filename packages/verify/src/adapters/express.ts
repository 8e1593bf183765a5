/**
 * @module @pixie-auth/verify/adapters/express
 * Express middleware: verified credentials land on `req.auth`; failures are answered with
 * the RFC 6750 (or RFC 9449 for DPoP) status, `WWW-Authenticate` header and a JSON error body.
 */
import { VerifyError } from '../errors.js';
import type { HeaderBag } from '../extract.js';
import type { VerifiedCredential } from '../types.js';
import type { Verifier } from '../verifier.js';
import { authenticate, failure, type AdapterOptions } from './answer.js';

export interface ExpressLikeRequest {
  headers: HeaderBag; query?: unknown; auth?: VerifiedCredential;
  /** Method, URL (`originalUrl` keeps the mount path) and protocol: DPoP's `htm` and `htu` are checked against them. */
  method?: string; originalUrl?: string; url?: string; protocol?: string;
}
export interface ExpressLikeResponse {
  status(code: number): ExpressLikeResponse;
  set(name: string, value: string): ExpressLikeResponse;
  json(body: unknown): unknown;
}

export function expressAuth(verifier: Verifier, options: AdapterOptions = {}) {
  return function verifyRequest(req: ExpressLikeRequest, res: ExpressLikeResponse, next: (err?: unknown) => void): void {
    (async () => {
      const host = Array.isArray(req.headers.host) ? req.headers.host[0] : req.headers.host;
      req.auth = await authenticate(verifier, options, {
        headers: req.headers, query: req.query, method: req.method ?? 'GET', path: req.originalUrl ?? req.url ?? '/',
        protocol: req.protocol ?? 'http', host: host ?? 'localhost',
      });
    })().then(() => next(), (err: unknown) => {
      if (!(err instanceof VerifyError)) return next(err);
      const answer = failure(err, verifier, options);
      res.status(answer.status);
      for (const [name, value] of Object.entries(answer.headers)) res.set(name, value);
      res.json(answer.body);
    });
  };
}
