/**
 * The one place errors become responses. OAuth errors keep their RFC shape in the format of
 * the endpoint (JSON, form-encoded, or a page); unexpected errors are logged with the request
 * id and answered with a bare `server_error` — never a stack trace.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, InvalidClient, OAuthError, StorageUnavailable } from '../../core/errors.js';
import { DPOP_ALGS } from '../../crypto/dpop.js';
import { noStore, type ErrorFormat } from '../context.js';
import { notFoundPage } from '../views/home.js';
import { errorPage } from '../views/pages.js';
import { sendPage } from './page-headers.js';

function validationMessage(err: FastifyError): string {
  const v = err.validation?.[0];
  if (!v) return err.message;
  const where = err.validationContext ?? 'request';
  const path = v.instancePath ? v.instancePath.slice(1).replace(/\//g, '.') : (v.params as { missingProperty?: string })?.missingProperty;
  // A parameter's name is the client's text: echoed, but not at any length.
  const field = path?.slice(0, 40);
  if (v.keyword === 'type' && v.params && (v.params as { type?: string }).type === 'string') {
    return `${where} parameter "${field}" must be given once, as a single value`;
  }
  return field ? `${where} parameter "${field}" ${v.message}` : `${where} ${v.message}`;
}

export function toOAuthError(err: unknown): OAuthError | null {
  if (err instanceof OAuthError) return err;
  const fe = err as FastifyError;
  if (fe.validation) return new OAuthError('invalid_request', validationMessage(fe));
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new OAuthError('invalid_request', fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'request body is too large' : fe.message, fe.statusCode);
  }
  return null;
}

function basicChallenge(err: OAuthError): string {
  const realm = (err instanceof InvalidClient && err.realm) || 'pixie';
  return `Basic realm="${realm.replace(/["\\]/g, '')}", charset="UTF-8"`;
}

export function sendOAuthError(reply: FastifyReply, err: OAuthError, format: ErrorFormat): FastifyReply {
  noStore(reply).status(err.status);
  // RFC 9449 §8, §9: the nonce the client's next proof must carry.
  if (err.dpopNonce !== null) reply.header('dpop-nonce', err.dpopNonce);
  if (format === 'bearer') {
    // RFC 9449 §7.1: a DPoP challenge names the algs a proof may use.
    const scheme = err.challenge === 'DPoP' ? `DPoP algs="${DPOP_ALGS.join(' ')}", ` : 'Bearer ';
    reply.header('www-authenticate', `${scheme}error="${err.error}", error_description="${err.description.replace(/["\\]|[^\x20-\x7e]/g, '')}"`);
  } else if (err.status === 401 && (format === 'oauth-json' || format === 'oauth-form')) {
    // RFC 9110 §11.6.1: every 401 carries a challenge. Clients authenticate with Basic at the
    // token, introspection and revocation endpoints (RFC 6749 §5.2), whatever method failed.
    // Pages never get one: a browser would open its own sign-in dialog.
    reply.header('www-authenticate', basicChallenge(err));
  }
  const body = { error: err.error, error_description: err.description };
  if (format === 'oauth-form') return reply.type('application/x-www-form-urlencoded').send(new URLSearchParams(body).toString());
  if (format === 'page') return sendPage(reply, err.status, errorPage('Something went wrong', err.description, err.error));
  return reply.send(body);
}

/** Seconds a client should wait before retrying while the database is unreachable. */
const RETRY_AFTER = 5;
/** One log line per outage: further failures within this window are not logged again. */
const OUTAGE_LOG_WINDOW_MS = 60_000;
let lastOutageLog = 0;

function storageUnavailable(request: FastifyRequest, reply: FastifyReply, format: ErrorFormat, err: StorageUnavailable): FastifyReply {
  const now = Date.now();
  if (now - lastOutageLog >= OUTAGE_LOG_WINDOW_MS) {
    lastOutageLog = now;
    const cause = err.cause as { code?: string; message?: string };
    request.log.error({ code: cause?.code, reason: cause?.message }, 'storage unavailable: answering 503 temporarily_unavailable (logged once a minute while it lasts)');
  }
  reply.header('retry-after', String(RETRY_AFTER));
  const oauth = new OAuthError('temporarily_unavailable', 'the service is temporarily unavailable; try again shortly', 503);
  if (format === 'json') return noStore(reply).status(503).send({ error: oauth.error, message: oauth.description });
  return sendOAuthError(reply, oauth, format);
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const format: ErrorFormat = request.routeOptions.config?.errorFormat ?? 'json';
    if (err instanceof AppError) {
      if (err.retryAfter !== null) reply.header('retry-after', String(err.retryAfter));
      if (format === 'page') return sendPage(reply, err.status, errorPage('Something went wrong', err.message));
      return reply.status(err.status).send({ error: err.code, message: err.message });
    }
    if ((err as unknown) instanceof StorageUnavailable) return storageUnavailable(request, reply, format, err);
    const oauth = toOAuthError(err);
    if (oauth) {
      if (format === 'json') return reply.status(oauth.status).send({ error: oauth.error === 'invalid_request' ? 'validation_failed' : oauth.error, message: oauth.description });
      return sendOAuthError(reply, oauth, format);
    }
    request.log.error({ err }, 'unexpected error');
    if (format === 'page') return sendPage(reply, 500, errorPage('Something went wrong', 'An unexpected error happened. It has been logged.'));
    return noStore(reply).status(500).send({ error: 'server_error', error_description: 'an unexpected error happened; it has been logged' });
  });
  app.setNotFoundHandler((request, reply) => {
    // A browser gets a page; API clients the JSON error.
    if ((request.headers.accept ?? '').includes('text/html')) return sendPage(reply, 404, notFoundPage(request.url.split('?')[0]));
    return reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}
