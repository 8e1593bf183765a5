/** What routes need from the composition root, attached to the Fastify instance. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';
import type { CoreDeps } from '../core/deps.js';
import type { ResolvedServer } from '../core/directory.js';
import { AppError } from '../core/errors.js';
import type { GrantRegistry } from '../core/token/registry.js';

export interface AppContext {
  deps: CoreDeps;
  registry: GrantRegistry;
  config: Config;
}

export type ErrorFormat = 'oauth-json' | 'oauth-form' | 'page' | 'json' | 'bearer';

declare module 'fastify' {
  interface FastifyInstance {
    pixie: AppContext;
  }
  interface FastifyContextConfig {
    errorFormat?: ErrorFormat;
  }
}

export const TenantServerParams = {
  type: 'object',
  properties: {
    tenant: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    server: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
  },
  required: ['tenant', 'server'],
} as const;

export async function resolveServer(app: FastifyInstance, tenant: string, server: string): Promise<ResolvedServer> {
  const rs = await app.pixie.deps.directory.resolve(tenant, server);
  if (!rs) throw new AppError('not_found', `no authorization server "${tenant}/${server}"`);
  return rs;
}

/** Form parameters: each must appear once (RFC 6749 §3.1, §3.2). Schemas reject arrays first. */
export type FormParams = Record<string, string | undefined>;

export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

export function isForm(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/** JSON schema for a form body of single string values. */
export const FormBody = {
  type: 'object',
  additionalProperties: { type: 'string', maxLength: 8192 },
} as const;
