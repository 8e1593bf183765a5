/** POST /{tenant}/{server}/oauth2/device_authorization (RFC 8628 §3.1, §3.2). */
import type { FastifyInstance } from 'fastify';
import { handleDeviceAuthorization } from '../../../core/device/authorization.js';
import { InvalidRequest } from '../../../core/errors.js';
import { Type } from '../../../vendor/typebox.js';
import { Form, isForm, noStore, resolveServer, TenantServerParams } from '../../context.js';
import { oauthPolicy } from '../../endpoint-policy.js';
import { typed } from '../../type-provider.js';

/** Single values, except `resource`, which may repeat (RFC 8707 §2). */
const DeviceAuthorizationForm = Type.Object({
  ...Form('client_id', 'client_secret', 'scope').properties,
  resource: Type.Optional(Type.Union([Type.String({ maxLength: 8192 }), Type.Array(Type.String({ maxLength: 8192 }), { maxItems: 50 })])),
}, { additionalProperties: Form('client_id').additionalProperties });

const DeviceAuthorizationResponse = {
  type: 'object',
  properties: {
    device_code: { type: 'string' },
    user_code: { type: 'string' },
    verification_uri: { type: 'string' },
    verification_uri_complete: { type: 'string' },
    expires_in: { type: 'integer' },
    interval: { type: 'integer' },
  },
  required: ['device_code', 'user_code', 'verification_uri', 'verification_uri_complete', 'expires_in', 'interval'],
} as const;

export function deviceAuthorizationRoutes(app: FastifyInstance): void {
  typed(app).post('/:tenant/:server/oauth2/device_authorization', {
    schema: { params: TenantServerParams, body: DeviceAuthorizationForm, response: { 200: DeviceAuthorizationResponse } },
    config: { errorFormat: 'oauth-json' },
  }, async (request, reply) => {
    if (!isForm(request)) throw new InvalidRequest('device authorization requests must be application/x-www-form-urlencoded');
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    const { resource, ...params } = request.body;
    const { config, deps } = app.pixie;
    // Capped like the sign-ins in progress of /authorize, with the same settings.
    const limits = { ip: request.ip, perIp: config.pendingSignInsPerIp, total: config.pendingSignInsMax };
    const response = await handleDeviceAuthorization(deps, rs, {
      params, authorization: request.headers.authorization, policy: oauthPolicy(rs), resources: resource === undefined ? [] : [resource].flat(), limits,
    });
    return noStore(reply).send(response);
  });
}
