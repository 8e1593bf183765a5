/**
 * The one place errors become responses. OAuth errors keep their RFC shape in the format of
 * the endpoint (JSON, form-encoded, or a page); unexpected errors are logged with the request
 * id and answered with a bare `server_error` — never a stack trace.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, OAuthError } from '../../core/errors.js';
import { InvalidClientBasic } from '../../core/client-auth/authenticate.js';
import { noStore, type ErrorFormat } from '../context.js';
import { notFoundPage } from '../views/home.js';
import { errorPage } from '../views/pages.js';
import { sendPage } from './page-headers.js';

function validationMessage(err: FastifyError): string {
  const v = err.validation?.[0];
  if (!v) return err.message;
  const where = err.validationContext ?? 'request';
  const field = v.instancePath ? v.instancePath.slice(1).replace(/\//g, '.') : (v.params as { missingProperty?: string })?.missingProperty;
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

export function sendOAuthError(reply: FastifyReply, err: OAuthError, format: ErrorFormat): FastifyReply {
  noStore(reply).status(err.status);
  if (err instanceof InvalidClientBasic) reply.header('www-authenticate', 'Basic realm="pixie", charset="UTF-8"');
  if (format === 'bearer') {
    reply.header('www-authenticate', `Bearer error="${err.error}", error_description="${err.description.replace(/["\\]/g, '')}"`);
  }
  const body = { error: err.error, error_description: err.description };
  if (format === 'oauth-form') return reply.type('application/x-www-form-urlencoded').send(new URLSearchParams(body).toString());
  if (format === 'page') return sendPage(reply, err.status, errorPage('Something went wrong', err.description, err.error));
  return reply.send(body);
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const format: ErrorFormat = request.routeOptions.config?.errorFormat ?? 'json';
    if (err instanceof AppError) {
      if (format === 'page') return sendPage(reply, err.status, errorPage('Something went wrong', err.message));
      return reply.status(err.status).send({ error: err.code, message: err.message });
    }
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
    if ((request.headers.accept ?? '').includes('text/html')) return sendPage(reply, 404, notFoundPage(request.url.split('?')[0]!));
    return reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}
