/** RFC 7662 introspection and RFC 7009 revocation endpoints. */
import type { FastifyInstance } from 'fastify';
import { introspect, revoke } from '../../../core/introspection.js';
import { InvalidRequest } from '../../../core/errors.js';
import { FormBody, isForm, noStore, resolveServer, TenantServerParams, type FormParams } from '../../context.js';

type P = { Params: { tenant: string; server: string } };

export function introspectionRoutes(app: FastifyInstance): void {
  const opts = { schema: { params: TenantServerParams, body: FormBody }, config: { errorFormat: 'oauth-json' as const } };
  app.post<P>('/:tenant/:server/oauth2/introspect', opts, async (request, reply) => {
    if (!isForm(request)) throw new InvalidRequest('introspection requests must be application/x-www-form-urlencoded');
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    const result = await introspect(app.pixie.deps, rs, { params: request.body as FormParams, authorization: request.headers.authorization });
    return noStore(reply).send(result);
  });
  app.post<P>('/:tenant/:server/oauth2/revoke', opts, async (request, reply) => {
    if (!isForm(request)) throw new InvalidRequest('revocation requests must be application/x-www-form-urlencoded');
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    await revoke(app.pixie.deps, rs, { params: request.body as FormParams, authorization: request.headers.authorization });
    // RFC 7009 §2.2: 200 whether or not the token was known. The body is ignored by the
    // spec, but clients such as simple-oauth2 parse it as JSON: an empty object, not nothing.
    return noStore(reply).status(200).type('application/json; charset=utf-8').send({});
  });
}
