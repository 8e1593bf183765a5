/** RFC 7591 dynamic client registration and RFC 7592 management, per authorization server. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../../../core/errors.js';
import { deleteRegistration, readRegistration, registerClient, updateRegistration } from '../../../core/registration.js';
import { noStore, resolveServer, TenantServerParams } from '../../context.js';
import { sendOAuthError } from '../../plugins/error-handler.js';

type P = { Params: { tenant: string; server: string } };
type C = { Params: { tenant: string; server: string; client: string } };

const ClientParams = {
  type: 'object',
  properties: { ...TenantServerParams.properties, client: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['tenant', 'server', 'client'],
} as const;

function bearer(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  return h && /^bearer /i.test(h) ? h.slice(7).trim() || null : null;
}

/** Bearer-token failures answer with a Bearer challenge (RFC 6750 §3), the others as OAuth JSON. */
async function answer(reply: FastifyReply, run: () => Promise<unknown>, status = 200): Promise<FastifyReply> {
  try {
    const body = await run();
    noStore(reply).status(status);
    return body === undefined ? reply.send() : reply.send(body);
  } catch (err) {
    if (err instanceof OAuthError && err.status === 401) return sendOAuthError(reply, err, 'bearer');
    throw err;
  }
}

export function registrationRoutes(app: FastifyInstance): void {
  const deps = app.pixie.deps;
  const config = { errorFormat: 'oauth-json' as const };
  app.post<P>('/:tenant/:server/oauth2/register', { schema: { params: TenantServerParams }, config }, async (request, reply) => {
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    const ctx = { ip: request.ip, perIpLimit: app.pixie.config.registrationsPerIp, bearer: bearer(request) };
    return answer(reply, () => registerClient(deps, rs, request.body, ctx), 201);
  });
  app.get<C>('/:tenant/:server/oauth2/register/:client', { schema: { params: ClientParams }, config }, async (request, reply) => {
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    return answer(reply, () => readRegistration(deps, rs, request.params.client, bearer(request)));
  });
  app.put<C>('/:tenant/:server/oauth2/register/:client', { schema: { params: ClientParams }, config }, async (request, reply) => {
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    return answer(reply, () => updateRegistration(deps, rs, request.params.client, bearer(request), request.body));
  });
  app.delete<C>('/:tenant/:server/oauth2/register/:client', { schema: { params: ClientParams }, config }, async (request, reply) => {
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    return answer(reply, () => deleteRegistration(deps, rs, request.params.client, bearer(request)), 204);
  });
}
