/** POST /{tenant}/{server}/oauth2/token (RFC 6749 §3.2, §5). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidRequest } from '../../../core/errors.js';
import { Type } from '../../../vendor/typebox.js';
import { handleTokenRequest } from '../../../core/token/endpoint.js';
import type { TokenResponse } from '../../../core/token/types.js';
import type { ResolvedServer } from '../../../core/directory.js';
import type { EndpointPolicy } from '../../../core/policy.js';
import { Form, isForm, noStore, resolveServer, TenantServerParams } from '../../context.js';
import { dpopRequest } from '../../dpop.js';
import { oauthPolicy } from '../../endpoint-policy.js';
import { typed } from '../../type-provider.js';

/** What the grants read (each grant's allow-list strips the rest, core/token/endpoint.ts). */
export const TokenForm = Form(
  'grant_type', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope', 'client_id', 'client_secret',
  'code_challenge', 'code_challenge_method',
);

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

/** The OAuth endpoint's form: single values, except `resource`, which may repeat (RFC 8707 §2). */
const TokenFormWithResource = Type.Object({
  ...TokenForm.properties,
  resource: Type.Optional(Type.Union([Type.String({ maxLength: 8192 }), Type.Array(Type.String({ maxLength: 8192 }), { maxItems: 50 })])),
}, { additionalProperties: TokenForm.additionalProperties });

export async function runTokenRequest(
  request: FastifyRequest, reply: FastifyReply, params: Record<string, string | undefined>, rs: ResolvedServer, policy: EndpointPolicy, resources: string[] = [],
): Promise<TokenResponse> {
  // Form-encoded only; a JSON body is a client bug worth naming.
  if (!isForm(request)) throw new InvalidRequest('token requests must be application/x-www-form-urlencoded');
  const { pixie } = request.server;
  return handleTokenRequest(pixie.deps, pixie.registry, rs, {
    params, authorization: request.headers.authorization, policy, resources,
    dpop: dpopRequest(request), onDpopNonce: (nonce) => { reply.header('dpop-nonce', nonce); },
  });
}

export function tokenRoutes(app: FastifyInstance): void {
  typed(app).post('/:tenant/:server/oauth2/token', {
    schema: { params: TenantServerParams, body: TokenFormWithResource, response: { 200: TokenResponseSchema } },
    config: { errorFormat: 'oauth-json' },
  }, async (request, reply) => {
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    const { resource, ...params } = request.body;
    const response = await runTokenRequest(request, reply, params, rs, oauthPolicy(rs), resource === undefined ? [] : [resource].flat());
    return noStore(reply).send(response);
  });
}
