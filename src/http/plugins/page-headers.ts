/** Headers for every HTML page: no framing, no inline script, no caching (RFC 9700 §4.16). */
import type { FastifyReply } from 'fastify';

const CSP = [
  "default-src 'none'", "style-src 'self'", "img-src 'self' data:", "script-src 'self'", "connect-src 'self'",
  "base-uri 'none'", "frame-ancestors 'none'",
].join('; ');

export function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .status(status)
    .header('content-security-policy', CSP)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(body);
}
