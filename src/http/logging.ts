/**
 * pino options: secrets never reach a log line. Headers that carry credentials are redacted,
 * and sensitive query parameters are masked in logged URLs (codes arrive in query strings).
 */
import type { FastifyServerOptions } from 'fastify';

const SENSITIVE_PARAMS = /([?&](?:code|access_token|refresh_token|id_token|token|client_secret|code_verifier|password|key|state|csrf)=)[^&#]*/gi;

export function maskUrl(url: string): string {
  return url.replace(SENSITIVE_PARAMS, '$1[redacted]');
}

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization', 'req.headers.cookie', 'req.headers["pkce-verifier"]', 'res.headers["set-cookie"]',
        '*.password', '*.client_secret', '*.code_verifier', '*.refresh_token', '*.access_token', '*.token', '*.code',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(request: { method: string; url: string; ip?: string; id?: string }) {
        return { method: request.method, url: maskUrl(request.url), remoteAddress: request.ip };
      },
    },
  };
}
