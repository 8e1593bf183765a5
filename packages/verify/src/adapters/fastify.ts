/**
 * @module @pixie-auth/verify/adapters/fastify
 * A Fastify `preHandler`: verified credentials land on `request.auth`; failures are answered
 * with the RFC 6750 (or RFC 9449 for DPoP) status, `WWW-Authenticate` header and a JSON error body.
 */
import { VerifyError } from '../errors.js';
import type { HeaderBag } from '../extract.js';
import type { VerifiedCredential } from '../types.js';
import type { Verifier } from '../verifier.js';
import { authenticate, failure, type AdapterOptions } from './answer.js';

export type { AdapterOptions };

/** Structural types, so this module needs no runtime import of Fastify. */
export interface FastifyLikeRequest {
  headers: HeaderBag; query?: unknown; auth?: VerifiedCredential;
  /** Method, URL, protocol and host: the DPoP proof's `htm` and `htu` are checked against them. */
  method?: string; url?: string; protocol?: string; host?: string;
}
export interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(body?: unknown): FastifyLikeReply;
}

export function fastifyAuth(verifier: Verifier, options: AdapterOptions = {}) {
  return async function verifyRequest(request: FastifyLikeRequest, reply: FastifyLikeReply): Promise<FastifyLikeReply | void> {
    try {
      request.auth = await authenticate(verifier, options, {
        headers: request.headers, query: request.query, method: request.method ?? 'GET', path: request.url ?? '/',
        protocol: request.protocol ?? 'http', host: request.host ?? single(request.headers.host),
      });
    } catch (err) {
      if (!(err instanceof VerifyError)) throw err;
      const answer = failure(err, verifier, options);
      reply.code(answer.status);
      for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
      // Returning the reply tells Fastify the hook has answered (async hooks must not call done).
      return reply.send(answer.body);
    }
  };
}

function single(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? 'localhost';
}
