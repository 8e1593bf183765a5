/** What every admin route shares: the OpenAPI security requirement, error responses, and 400 messages naming the field. */
import type { FastifySchema, FastifySchemaValidationError } from 'fastify';
import { ErrorBody } from '../../../admin/schemas.js';
import { AppError } from '../../../core/errors.js';

export const ADMIN_SECURITY = [{ adminOAuth: ['manage_configuration'] }, { systemOAuth: ['manage_configuration'] }, { bearerToken: [] }];

const ERRORS = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** A route schema with tag, summary, security and the error responses every admin route can give. */
export function adminSchema(tag: string, summary: string, schema: FastifySchema & { response?: Record<number, unknown> }): FastifySchema {
  return { tags: [tag], summary, security: ADMIN_SECURITY, ...schema, response: { ...ERRORS, ...schema.response } } as FastifySchema;
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
