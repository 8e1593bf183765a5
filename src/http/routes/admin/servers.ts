/** /api/admin/{tenant}/servers: settings, scopes, signing keys and rotation. */
import { Type } from '../../../vendor/typebox.js';
import type { FastifyInstance } from 'fastify';
import { createServer, listKeys, listServers, rotateKeys, showServer, updateServer } from '../../../admin/servers.js';
import {
  CreatedRegistrationToken, RegistrationToken, RegistrationTokenCreate, RegistrationTokenParams,
  PageOf, RotatedKeys, Server, ServerCreate, ServerListQuery, ServerParams, ServerUpdate, SigningKey, TenantParams,
} from '../../../admin/schemas.js';
import { createRegistrationToken, listRegistrationTokens, revokeRegistrationToken } from '../../../admin/registration-tokens.js';
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

  const TOKENS = '/api/admin/:tenant/servers/:server/registration-tokens';
  r.get(TOKENS, {
    schema: adminSchema('servers', 'List initial access tokens for dynamic client registration (prefix, expiry and uses only)', {
      params: ServerParams, response: { 200: Type.Object({ items: Type.Array(RegistrationToken) }) },
    }),
  }, async (request) => ({ items: await listRegistrationTokens(deps, request.params.tenant, request.params.server) }));

  r.post(TOKENS, {
    schema: adminSchema('servers', 'Create an initial access token for dynamic client registration (shown once)', {
      params: ServerParams, body: RegistrationTokenCreate, response: { 201: CreatedRegistrationToken },
    }),
  }, async (request, reply) => reply.status(201).send(
    await createRegistrationToken(deps, actorOf(request), request.params.tenant, request.params.server, request.body)));

  r.delete(`${TOKENS}/:id`, {
    schema: adminSchema('servers', 'Revoke an initial access token', { params: RegistrationTokenParams, response: { 204: Type.Null() } }),
  }, async (request, reply) => {
    const p = request.params;
    await revokeRegistrationToken(deps, actorOf(request), p.tenant, p.server, p.id);
    return reply.status(204).send(null);
  });
}
