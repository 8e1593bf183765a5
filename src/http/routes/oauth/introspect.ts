/** RFC 7662 introspection and RFC 7009 revocation endpoints. */
import type { FastifyInstance } from 'fastify';
import { introspect, revoke } from '../../../core/introspection.js';
import { InvalidRequest } from '../../../core/errors.js';
import { Form, isForm, noStore, resolveServer, TenantServerParams } from '../../context.js';
import { typed } from '../../type-provider.js';

/** RFC 7662 §2.1, RFC 7009 §2.1, with the client's credentials in the body (RFC 6749 §2.3.1). */
const TokenParams = Form('token', 'token_type_hint', 'client_id', 'client_secret', 'code_verifier');

export function introspectionRoutes(app: FastifyInstance): void {
  const opts = { schema: { params: TenantServerParams, body: TokenParams }, config: { errorFormat: 'oauth-json' as const } };
  const r = typed(app);
  r.post('/:tenant/:server/oauth2/introspect', opts, async (request, reply) => {
    if (!isForm(request)) throw new InvalidRequest('introspection requests must be application/x-www-form-urlencoded');
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    const result = await introspect(app.pixie.deps, rs, { params: request.body, authorization: request.headers.authorization });
    return noStore(reply).send(result);
  });
  r.post('/:tenant/:server/oauth2/revoke', opts, async (request, reply) => {
    if (!isForm(request)) throw new InvalidRequest('revocation requests must be application/x-www-form-urlencoded');
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    await revoke(app.pixie.deps, rs, { params: request.body, authorization: request.headers.authorization });
    // RFC 7009 §2.2: 200 whether or not the token was known. The body is ignored by the
    // spec, but clients such as simple-oauth2 parse it as JSON: an empty object, not nothing.
    return noStore(reply).status(200).type('application/json; charset=utf-8').send({});
  });
}
