/** POST /{tenant}/{server}/oauth2/token (RFC 6749 §3.2, §5). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidRequest } from '../../../core/errors.js';
import { handleTokenRequest } from '../../../core/token/endpoint.js';
import type { TokenResponse } from '../../../core/token/types.js';
import type { ResolvedServer } from '../../../core/directory.js';
import type { EndpointPolicy } from '../../../core/policy.js';
import { FormBody, isForm, noStore, resolveServer, TenantServerParams, type FormParams } from '../../context.js';
import { oauthPolicy } from '../../endpoint-policy.js';

export const TokenResponseSchema = {
  type: 'object',
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string' },
    expires_in: { type: 'integer' },
    scope: { type: 'string' },
    refresh_token: { type: 'string' },
    id_token: { type: 'string' },
  },
  required: ['access_token', 'token_type', 'scope'],
} as const;

/** A form body of single string values, except `resource`, which may repeat (RFC 8707 §2). */
const TokenFormBody = {
  type: 'object',
  properties: {
    resource: {
      anyOf: [
        { type: 'string', maxLength: 8192 },
        { type: 'array', items: { type: 'string', maxLength: 8192 }, maxItems: 50 },
      ],
    },
  },
  additionalProperties: FormBody.additionalProperties,
} as const;

export async function runTokenRequest(
  request: FastifyRequest, rs: ResolvedServer, policy: EndpointPolicy,
): Promise<TokenResponse> {
  // Form-encoded only; a JSON body is a client bug worth naming.
  if (!isForm(request)) throw new InvalidRequest('token requests must be application/x-www-form-urlencoded');
  const { pixie } = request.server;
  const { resource, ...params } = request.body as FormParams & { resource?: string | string[] };
  return handleTokenRequest(pixie.deps, pixie.registry, rs, {
    params, authorization: request.headers.authorization, policy, resources: resource === undefined ? [] : [resource].flat(),
  });
}

export function tokenRoutes(app: FastifyInstance): void {
  app.post<{ Params: { tenant: string; server: string } }>('/:tenant/:server/oauth2/token', {
    schema: { params: TenantServerParams, body: TokenFormBody, response: { 200: TokenResponseSchema } },
    config: { errorFormat: 'oauth-json' },
  }, async (request, reply: FastifyReply) => {
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    const response = await runTokenRequest(request, rs, oauthPolicy(rs));
    return noStore(reply).send(response);
  });
}
