/** /api/admin/{tenant}/users: create, list, show, disable, reset password. */
import type { FastifyInstance } from 'fastify';
import {
  PageOf, PageQuery, PasswordReset, PasswordResetResult, TenantParams, User, UserCreate, UserParams, UserUpdate,
} from '../../../admin/schemas.js';
import { createUser, getUser, listUsers, resetPassword, updateUser, userView } from '../../../admin/users.js';
import { noStore } from '../../context.js';
import { actorOf } from '../../plugins/admin-auth.js';
import { typed } from '../../type-provider.js';
import { adminSchema } from './common.js';


export function userRoutes(api: FastifyInstance): void {
  const r = typed(api);
  const deps = api.pixie.deps;
  r.post('/api/admin/:tenant/users', {
    schema: adminSchema('users', 'Create a user', { params: TenantParams, body: UserCreate, response: { 201: User } }),
  }, async (request, reply) => reply.status(201).send(await createUser(deps, actorOf(request), request.params.tenant, request.body)));

  r.get('/api/admin/:tenant/users', {
    schema: adminSchema('users', 'List users', { params: TenantParams, querystring: PageQuery, response: { 200: PageOf(User) } }),
  }, async (request) => listUsers(deps, request.params.tenant, request.query));

  r.get('/api/admin/:tenant/users/:user', {
    schema: adminSchema('users', 'Show a user (by id or username)', { params: UserParams, response: { 200: User } }),
  }, async ({ params: p }) => userView(await getUser(deps, p.tenant, p.user)));

  r.patch('/api/admin/:tenant/users/:user', {
    schema: adminSchema('users', 'Disable, enable or edit a user', { params: UserParams, body: UserUpdate, response: { 200: User } }),
  }, async (request) => updateUser(deps, actorOf(request), request.params.tenant, request.params.user, request.body));

  r.post('/api/admin/:tenant/users/:user/password', {
    schema: adminSchema('users', "Reset a user's password (omit it to get a generated one, shown once)", {
      params: UserParams, body: PasswordReset, response: { 200: PasswordResetResult },
    }),
  }, async (request, reply) =>
    noStore(reply).send(await resetPassword(deps, actorOf(request), request.params.tenant, request.params.user, request.body?.password)));
}
