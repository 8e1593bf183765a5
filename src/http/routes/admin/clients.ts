/** /api/admin/{tenant}/clients with their secrets and API keys. */
import { Type } from '../../../vendor/typebox.js';
import type { FastifyInstance } from 'fastify';
import { createApiKey, listApiKeys, revokeApiKey } from '../../../admin/api-keys.js';
import { createClient, deleteClient, getClient, listClients, updateClient, clientView } from '../../../admin/clients.js';
import {
  ApiKey, ApiKeyCreate, ApiKeyParams, CreatedApiKey,
  Client, ClientCreate, ClientListQuery, ClientParams, ClientUpdate, CreatedClient, CreatedSecret, PageOf, Secret,
  SecretCreate, SecretParams, TenantParams,
} from '../../../admin/schemas.js';
import { createSecret, listSecrets, revokeSecret } from '../../../admin/secrets.js';
import { actorOf } from '../../plugins/admin-auth.js';
import { typed } from '../../type-provider.js';
import { adminSchema } from './common.js';

const ITEM = '/api/admin/:tenant/servers/:server/clients/:client';

export function clientRoutes(api: FastifyInstance): void {
  const r = typed(api);
  const deps = api.pixie.deps;
  r.post('/api/admin/:tenant/clients', {
    schema: adminSchema('clients', 'Create a client (a confidential client gets its first secret, shown once)', {
      params: TenantParams, body: ClientCreate, response: { 201: CreatedClient },
    }),
  }, async (request, reply) => reply.status(201).send(await createClient(deps, actorOf(request), request.params.tenant, request.body)));

  r.get('/api/admin/:tenant/clients', {
    schema: adminSchema('clients', 'List clients (`dynamic=true`: those that registered themselves)', { params: TenantParams, querystring: ClientListQuery, response: { 200: PageOf(Client) } }),
  }, async (request) => listClients(deps, request.params.tenant, request.query));

  r.get(ITEM, {
    schema: adminSchema('clients', 'Show a client', { params: ClientParams, response: { 200: Client } }),
  }, async ({ params: p }) => clientView(await getClient(deps, p.tenant, p.server, p.client)));

  r.patch(ITEM, {
    schema: adminSchema('clients', 'Change a client', { params: ClientParams, body: ClientUpdate, response: { 200: Client } }),
  }, async (request) => {
    const p = request.params;
    return updateClient(deps, actorOf(request), p.tenant, p.server, p.client, request.body);
  });

  r.delete(ITEM, {
    schema: adminSchema('clients', 'Delete a client, revoking its tokens', { params: ClientParams, response: { 204: Type.Null() } }),
  }, async (request, reply) => {
    const p = request.params;
    await deleteClient(deps, actorOf(request), p.tenant, p.server, p.client);
    return reply.status(204).send(null);
  });

  r.get(`${ITEM}/secrets`, {
    schema: adminSchema('clients', 'List client secrets (prefix and dates only)', { params: ClientParams, response: { 200: Type.Object({ items: Type.Array(Secret) }) } }),
  }, async ({ params: p }) => ({ items: await listSecrets(deps, await getClient(deps, p.tenant, p.server, p.client)) }));

  r.post(`${ITEM}/secrets`, {
    schema: adminSchema('clients', 'Create a client secret (shown once)', { params: ClientParams, body: SecretCreate, response: { 201: CreatedSecret } }),
  }, async (request, reply) => {
    const p = request.params;
    const client = await getClient(deps, p.tenant, p.server, p.client);
    const created = await createSecret(deps, actorOf(request), client, request.body);
    return reply.status(201).send(created);
  });

  r.delete(`${ITEM}/secrets/:secret`, {
    schema: adminSchema('clients', 'Revoke a client secret', { params: SecretParams, response: { 204: Type.Null() } }),
  }, async (request, reply) => {
    const p = request.params;
    await revokeSecret(deps, actorOf(request), await getClient(deps, p.tenant, p.server, p.client), p.secret);
    return reply.status(204).send(null);
  });

  r.get(`${ITEM}/api-keys`, {
    schema: adminSchema('clients', 'List API keys of a client (prefix and dates only)', { params: ClientParams, response: { 200: Type.Object({ items: Type.Array(ApiKey) }) } }),
  }, async ({ params: p }) => ({ items: await listApiKeys(deps, await getClient(deps, p.tenant, p.server, p.client)) }));

  r.post(`${ITEM}/api-keys`, {
    schema: adminSchema('clients', 'Create an API key (shown once)', { params: ClientParams, body: ApiKeyCreate, response: { 201: CreatedApiKey } }),
  }, async (request, reply) => {
    const p = request.params;
    const client = await getClient(deps, p.tenant, p.server, p.client);
    const created = await createApiKey(deps, actorOf(request), client, request.body);
    return reply.status(201).send(created);
  });

  r.delete(`${ITEM}/api-keys/:key`, {
    schema: adminSchema('clients', 'Revoke an API key', { params: ApiKeyParams, response: { 204: Type.Null() } }),
  }, async (request, reply) => {
    const p = request.params;
    await revokeApiKey(deps, actorOf(request), await getClient(deps, p.tenant, p.server, p.client), p.key);
    return reply.status(204).send(null);
  });
}
