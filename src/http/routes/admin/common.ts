/** What every admin route shares: the OpenAPI security requirement, error responses, and 400 messages naming the field. */
import type { FastifySchema, FastifySchemaValidationError } from 'fastify';
import { ErrorBody } from '../../../admin/schemas.js';
import { AppError } from '../../../core/errors.js';

export const ADMIN_SECURITY: Record<string, string[]>[] = [{ adminOAuth: ['manage_configuration'] }, { systemOAuth: ['manage_configuration'] }, { bearerToken: [] }];

const ERRORS = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/**
 * A route schema with tag, summary, security and the error responses every admin route can give.
 * It keeps the TypeBox types of `schema`, so the route's input is typed from it.
 */
export function adminSchema<S extends FastifySchema & { response?: Record<number, unknown> }>(
  tag: string, summary: string, schema: S,
): S & { tags: string[]; summary: string; security: typeof ADMIN_SECURITY; response: typeof ERRORS & S['response'] } {
  return { tags: [tag], summary, security: ADMIN_SECURITY, ...schema, response: { ...ERRORS, ...schema.response } };
}

const WHERE: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** Ajv errors → `{error: 'validation_failed', message}` naming the field. */
export function adminSchemaError(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const e = errors[0];
  const where = WHERE[dataVar] ?? dataVar;
  const path = e.instancePath.slice(1).replace(/\//g, '.');
  const p = e.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  const join = (child: string | undefined) => [path, child].filter(Boolean).join('.');
  if (e.keyword === 'required') return new AppError('validation_failed', `${where} parameter "${join(p.missingProperty)}" is required`);
  if (e.keyword === 'additionalProperties') return new AppError('validation_failed', `${where} parameter "${join(p.additionalProperty)}" is not a known field`);
  if (e.keyword === 'enum') {
    return new AppError('validation_failed', `${where} parameter "${path}" must be one of: ${(p.allowedValues ?? []).join(', ')}`);
  }
  return new AppError('validation_failed', path ? `${where} parameter "${path}" ${e.message}` : `${where} ${e.message}`);
}
