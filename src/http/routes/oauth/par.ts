/** POST /{tenant}/{server}/oauth2/par: pushed authorization requests (RFC 9126 §2). */
import type { FastifyInstance } from 'fastify';
import { pushAuthorizationRequest } from '../../../core/authorize/pushed.js';
import { InvalidRequest } from '../../../core/errors.js';
import { Type } from '../../../vendor/typebox.js';
import { Form, isForm, noStore, resolveServer, TenantServerParams } from '../../context.js';
import { oauthPolicy } from '../../endpoint-policy.js';
import { typed } from '../../type-provider.js';
import { dpopRequest } from '../../dpop.js';
import { AuthorizeParams } from './authorize.js';

/**
 * The authorization parameters (each once: RFC 9126 §2.1 takes a form, whose repeated
 * parameter is refused naming it) and client authentication; `resource` may repeat (RFC 8707
 * §2). Any other parameter is kept with the request, as /authorize would have received it.
 */
const authorizeNames = Object.keys(AuthorizeParams.properties) as (keyof typeof AuthorizeParams.properties)[];
const ParBase = Form(...authorizeNames, 'client_secret');
const ParForm = Type.Object({
  ...ParBase.properties,
  resource: Type.Optional(Type.Union([Type.String({ maxLength: 8192 }), Type.Array(Type.String({ maxLength: 8192 }), { maxItems: 50 })])),
}, { additionalProperties: ParBase.additionalProperties });

const ParResponse = {
  type: 'object',
  properties: { request_uri: { type: 'string' }, expires_in: { type: 'integer' } },
  required: ['request_uri', 'expires_in'],
} as const;

export function parRoutes(app: FastifyInstance): void {
  typed(app).post('/:tenant/:server/oauth2/par', {
    schema: { params: TenantServerParams, body: ParForm, response: { 201: ParResponse } },
    config: { errorFormat: 'oauth-json' },
  }, async (request, reply) => {
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    // RFC 9126 §2.1: application/x-www-form-urlencoded, as at the token endpoint.
    if (!isForm(request)) throw new InvalidRequest('pushed authorization requests must be application/x-www-form-urlencoded');
    const { resource, ...params } = request.body;
    const { config, deps } = app.pixie;
    // Capped like the sign-ins in progress of /authorize, with the same settings.
    const limits = { ip: request.ip, perIp: config.pendingSignInsPerIp, total: config.pendingSignInsMax };
    const response = await pushAuthorizationRequest(deps, rs, {
      params, resources: resource === undefined ? [] : [resource].flat(), authorization: request.headers.authorization, policy: oauthPolicy(rs),
      dpop: dpopRequest(request), limits,
    });
    return noStore(reply).code(201).send(response);
  });
  // RFC 9126 §2.3: another method than POST is 405 Method Not Allowed.
  typed(app).route({
    method: ['GET', 'PUT', 'PATCH', 'DELETE'], url: '/:tenant/:server/oauth2/par',
    schema: { params: TenantServerParams, hide: true },
    handler: (_request, reply) => noStore(reply).code(405).header('allow', 'POST')
      .send({ error: 'invalid_request', error_description: 'pushed authorization requests are sent with POST' }),
  });
}
