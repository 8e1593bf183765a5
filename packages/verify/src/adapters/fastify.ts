/**
 * @module @pixie-auth/verify/adapters/fastify
 * A Fastify `preHandler`: verified credentials land on `request.auth`; failures are answered
 * with the RFC 6750 status, `WWW-Authenticate` header and a JSON error body.
 */
import { VerifyError } from '../errors.js';
import { extractPkceVerifier, extractToken, type ExtractOptions, type HeaderBag } from '../extract.js';
import type { VerifiedCredential, VerifyOptions } from '../types.js';
import type { Verifier } from '../verifier.js';

export interface AdapterOptions extends VerifyOptions, ExtractOptions {
  /** The realm named in WWW-Authenticate (default "api"). */
  realm?: string;
}

/** Structural types, so this module needs no runtime import of Fastify. */
export interface FastifyLikeRequest { headers: HeaderBag; query?: unknown; auth?: VerifiedCredential }
export interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(body?: unknown): FastifyLikeReply;
}

export function fastifyAuth(verifier: Verifier, options: AdapterOptions = {}) {
  return async function verifyRequest(request: FastifyLikeRequest, reply: FastifyLikeReply): Promise<FastifyLikeReply | void> {
    try {
      const token = extractToken(request.headers, request.query, options);
      request.auth = await verifier.verify(token, { ...options, pkceVerifier: extractPkceVerifier(request.headers) });
    } catch (err) {
      if (!(err instanceof VerifyError)) throw err;
      // Returning the reply tells Fastify the hook has answered (async hooks must not call done).
      return reply.code(err.status).header('www-authenticate', err.wwwAuthenticate(options.realm, { resourceMetadata: verifier.resourceMetadataUrl, scope: options.scopes })).header('cache-control', 'no-store').send(err.toJSON());
    }
  };
}
