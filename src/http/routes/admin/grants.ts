/** /api/admin/{tenant}/grants, /tokens and /audit-log: list and revoke. */
import { Type } from '../../../vendor/typebox.js';
import type { FastifyInstance } from 'fastify';
import { listAuditLog } from '../../../admin/audit.js';
import { listGrants, listTokens, revokeGrant, revokeToken } from '../../../admin/grants.js';
import { AuditEntry, Grant, ItemParams, PageOf, PageQuery, TenantParams, Token } from '../../../admin/schemas.js';
import { actorOf } from '../../plugins/admin-auth.js';
import { typed } from '../../type-provider.js';
import { adminSchema } from './common.js';


export function grantRoutes(api: FastifyInstance): void {
  const r = typed(api);
  const deps = api.pixie.deps;
  r.get('/api/admin/:tenant/grants', {
    schema: adminSchema('grants and tokens', "List grants (users' consents to clients)", { params: TenantParams, querystring: PageQuery, response: { 200: PageOf(Grant) } }),
  }, async (request) => listGrants(deps, request.params.tenant, request.query));

  r.delete('/api/admin/:tenant/grants/:id', {
    schema: adminSchema('grants and tokens', 'Revoke a grant and every token issued under it', { params: ItemParams, response: { 204: Type.Null() } }),
  }, async (request, reply) => {
    await revokeGrant(deps, actorOf(request), request.params.tenant, request.params.id);
    return reply.status(204).send(null);
  });

  r.get('/api/admin/:tenant/tokens', {
    schema: adminSchema('grants and tokens', 'List issued access and refresh tokens, newest first', { params: TenantParams, querystring: PageQuery, response: { 200: PageOf(Token) } }),
  }, async (request) => listTokens(deps, request.params.tenant, request.query));

  r.delete('/api/admin/:tenant/tokens/:id', {
    schema: adminSchema('grants and tokens', 'Revoke a token (a refresh token takes its family with it)', { params: ItemParams, response: { 204: Type.Null() } }),
  }, async (request, reply) => {
    await revokeToken(deps, actorOf(request), request.params.tenant, request.params.id);
    return reply.status(204).send(null);
  });

  r.get('/api/admin/:tenant/audit-log', {
    schema: adminSchema('audit log', 'Admin changes to this tenant, newest first', { params: TenantParams, querystring: PageQuery, response: { 200: PageOf(AuditEntry) } }),
  }, async (request) => listAuditLog(deps, request.params.tenant, request.query));
}
