/** Discovery (RFC 8414, OIDC Discovery), JWKS and UserInfo. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { discoveryDocument } from '../../../core/oidc/discovery.js';
import { userinfo } from '../../../core/oidc/userinfo.js';
import { noStore, resolveServer, TenantServerParams } from '../../context.js';

type P = { Params: { tenant: string; server: string } };

function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (h && /^bearer /i.test(h)) return h.slice(7).trim();
  const body = request.body as Record<string, unknown> | undefined;
  return typeof body?.access_token === 'string' ? body.access_token : undefined;
}

export function discoveryRoutes(app: FastifyInstance): void {
  const opts = { schema: { params: TenantServerParams } };
  const metadata = async (request: FastifyRequest<P>) => {
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    return discoveryDocument(rs, app.pixie.registry.grantTypes());
  };
  app.get<P>('/:tenant/:server/.well-known/openid-configuration', opts, metadata);
  app.get<P>('/:tenant/:server/.well-known/oauth-authorization-server', opts, metadata);
  // RFC 8414 §3: the path-aware well-known form for issuers with a path.
  app.get<P>('/.well-known/oauth-authorization-server/:tenant/:server', opts, metadata);
  app.get<P>('/:tenant/:server/.well-known/jwks.json', opts, async (request, reply) => {
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    reply.header('cache-control', 'public, max-age=300');
    return { keys: await app.pixie.deps.directory.jwks(rs) };
  });
  const info = async (request: FastifyRequest<P>, reply: import('fastify').FastifyReply) => {
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    return noStore(reply).send(await userinfo(app.pixie.deps, rs, bearer(request)));
  };
  const uopts = { ...opts, config: { errorFormat: 'bearer' as const } };
  app.get<P>('/:tenant/:server/userinfo', uopts, info);
  app.post<P>('/:tenant/:server/userinfo', uopts, info);
}
