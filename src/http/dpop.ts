/** What core needs of a request to check its DPoP proof (RFC 9449 §4.3). */
import type { FastifyRequest } from 'fastify';
import type { DpopRequest } from '../core/dpop/proof.js';

/**
 * Every `DPoP` header of the request: Node joins a repeated custom header into one value, which
 * would hide that there were several, so a request with one is read again from the raw headers.
 * The URL is the one the client used: the public URL (what a proxy in front was reached at)
 * with the request's path, without its query (RFC 9449 §4.3 step 9).
 */
export function dpopRequest(request: FastifyRequest): DpopRequest {
  const url = `${request.server.pixie.deps.publicUrl}${request.url.split('?')[0]}`;
  if (request.headers.dpop === undefined) return { proofs: [], method: request.method, url };
  const proofs: string[] = [];
  const raw = request.raw.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'dpop') proofs.push(raw[i + 1]);
  return { proofs, method: request.method, url };
}
