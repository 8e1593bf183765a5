/** Discovery (RFC 8414, OIDC Discovery), JWKS and UserInfo. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { discoveryDocument } from '../../../core/oidc/discovery.js';
import type { PresentedToken } from '../../../core/dpop/resource.js';
import { userinfo } from '../../../core/oidc/userinfo.js';
import { Type } from '../../../vendor/typebox.js';
import { resolveServer, noStore, TenantServerParams } from '../../context.js';
import { dpopRequest, headerToken } from '../../dpop.js';
import { typed } from '../../type-provider.js';

/**
 * RFC 6750 §2.2: the token may come in a form body instead of the header. A POST without a
 * body (the token in the header) is fine; other fields are ignored.
 */
const UserinfoBody = Type.Union([Type.Object({ access_token: Type.Optional(Type.String({ maxLength: 8192 })) }), Type.Null()]);

/** The access token and its scheme: `Bearer` (RFC 6750), or `DPoP` with a proof (RFC 9449 §7.1). */
function presented(request: FastifyRequest, body: { access_token?: string } | null): PresentedToken {
  return headerToken(request) ?? { token: body?.access_token, scheme: 'Bearer', dpop: dpopRequest(request) };
}

export function discoveryRoutes(app: FastifyInstance): void {
  const r = typed(app);
  const opts = { schema: { params: TenantServerParams } };
  for (const url of [
    '/:tenant/:server/.well-known/openid-configuration',
    '/:tenant/:server/.well-known/oauth-authorization-server',
    // RFC 8414 §3: the path-aware well-known form for issuers with a path.
    '/.well-known/oauth-authorization-server/:tenant/:server',
  ]) {
    r.get(url, opts, async (request) => {
      const rs = await resolveServer(app, request.params.tenant, request.params.server);
      return discoveryDocument(rs, app.pixie.registry.grantTypes());
    });
  }
  r.get('/:tenant/:server/.well-known/jwks.json', opts, async (request, reply) => {
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    reply.header('cache-control', 'public, max-age=300');
    return { keys: await app.pixie.deps.directory.jwks(rs) };
  });
  const info = async (request: FastifyRequest, reply: FastifyReply, params: { tenant: string; server: string }, body: { access_token?: string } | null) => {
    const rs = await resolveServer(app, params.tenant, params.server);
    return noStore(reply).send(await userinfo(app.pixie.deps, rs, presented(request, body)));
  };
  const config = { errorFormat: 'bearer' as const };
  r.get('/:tenant/:server/userinfo', { schema: { params: TenantServerParams }, config },
    (request, reply) => info(request, reply, request.params, null));
  r.post('/:tenant/:server/userinfo', { schema: { params: TenantServerParams, body: UserinfoBody }, config },
    (request, reply) => info(request, reply, request.params, request.body));
}
