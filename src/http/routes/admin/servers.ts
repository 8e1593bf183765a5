/** /api/admin/{tenant}/servers: settings, scopes, signing keys and rotation. */
import { Type } from '../../../vendor/typebox.js';
import type { FastifyInstance } from 'fastify';
import { createServer, listKeys, listServers, rotateKeys, showServer, updateServer } from '../../../admin/servers.js';
import {
  PageOf, RotatedKeys, Server, ServerCreate, ServerListQuery, ServerParams, ServerUpdate, SigningKey, TenantParams,
} from '../../../admin/schemas.js';
import { actorOf } from '../../plugins/admin-auth.js';
import { typed } from '../../type-provider.js';
import { adminSchema } from './common.js';


export function serverRoutes(api: FastifyInstance): void {
  const r = typed(api);
  const deps = api.pixie.deps;
  r.get('/api/admin/:tenant/servers', {
    schema: adminSchema('servers', 'List authorization servers by id', {
      params: TenantParams, querystring: ServerListQuery, response: { 200: PageOf(Server) },
    }),
  }, async (request) => listServers(deps, request.params.tenant, request.query));

  r.post('/api/admin/:tenant/servers', {
    schema: adminSchema('servers', 'Create an authorization server', { params: TenantParams, body: ServerCreate, response: { 201: Server } }),
  }, async (request, reply) => reply.status(201).send(await createServer(deps, actorOf(request), request.params.tenant, request.body)));

  r.get('/api/admin/:tenant/servers/:server', {
    schema: adminSchema('servers', 'Show an authorization server', { params: ServerParams, response: { 200: Server } }),
  }, async (request) => showServer(deps, request.params.tenant, request.params.server));

  r.patch('/api/admin/:tenant/servers/:server', {
    schema: adminSchema('servers', 'Change settings or scopes of an authorization server', { params: ServerParams, body: ServerUpdate, response: { 200: Server } }),
  }, async (request) => updateServer(deps, actorOf(request), request.params.tenant, request.params.server, request.body));

  r.get('/api/admin/:tenant/servers/:server/keys', {
    schema: adminSchema('servers', 'List signing keys (public metadata only)', { params: ServerParams, response: { 200: Type.Object({ items: Type.Array(SigningKey) }) } }),
  }, async (request) => ({ items: await listKeys(deps, request.params.tenant, request.params.server) }));

  r.post('/api/admin/:tenant/servers/:server/keys/rotate', {
    schema: adminSchema('servers', 'Rotate the signing key; the previous key stays published until its tokens expire', {
      params: ServerParams, response: { 200: RotatedKeys },
    }),
  }, async (request) => rotateKeys(deps, actorOf(request), request.params.tenant, request.params.server));
}
