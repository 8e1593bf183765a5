/** /api/system/tenants: create, list and search, delete tenants (system admins only). */
import { Type } from '../../../vendor/typebox.js';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../plugins/admin-auth.js';
import { createTenant, deleteTenant, listTenantsForOperator } from '../../../admin/tenants.js';
import {
  CreatedTenant, PageOf, Tenant, TenantCreate, TenantListQuery, TenantParams,
} from '../../../admin/schemas.js';
import { typed } from '../../type-provider.js';
import { adminSchema } from './common.js';

const config = { adminAccess: 'system' as const };

export function tenantRoutes(api: FastifyInstance): void {
  const r = typed(api);
  r.get('/api/system/tenants', {
    config, schema: adminSchema('tenants', 'List tenants by id, or search them by id or name prefix', {
      querystring: TenantListQuery, response: { 200: PageOf(Tenant) },
    }),
  }, async (request) => listTenantsForOperator(api.pixie.deps, request.query));

  r.post('/api/system/tenants', {
    config, schema: adminSchema('tenants', 'Create a tenant with its admin and default servers (and, optionally, its admin client)', {
      body: TenantCreate, response: { 201: CreatedTenant },
    }),
  }, async (request, reply) => reply.status(201).send(await createTenant(api.pixie.deps, actorOf(request), request.body)));

  r.delete('/api/system/tenants/:tenant', {
    config, schema: adminSchema('tenants', 'Delete a tenant and everything in it', { params: TenantParams, response: { 204: Type.Null() } }),
  }, async (request, reply) => {
    await deleteTenant(api.pixie.deps, actorOf(request), request.params.tenant);
    return reply.status(204).send(null);
  });
}
