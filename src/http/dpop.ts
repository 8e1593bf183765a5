/** What core needs of a request to check its DPoP proof (RFC 9449 §4.3). */
import type { FastifyRequest } from 'fastify';
import type { DpopRequest } from '../core/dpop/proof.js';
import type { PresentedToken } from '../core/dpop/resource.js';

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

/** The access token of the Authorization header and its scheme: RFC 6750 `Bearer`, or RFC 9449 §7.1 `DPoP`; null without one. */
export function headerToken(request: FastifyRequest): (PresentedToken & { token: string }) | null {
  const m = /^(bearer|dpop) +(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!m) return null;
  return { token: m[2], scheme: m[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', dpop: dpopRequest(request) };
}
