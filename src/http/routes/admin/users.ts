/** /api/admin/{tenant}/users: create, list, show, disable, reset password. */
import type { FastifyInstance } from 'fastify';
import {
  PageOf, PageQuery, PasswordReset, PasswordResetResult, TenantParams, User, UserCreate, UserParams, UserUpdate,
  type PageQueryData, type UserCreateData, type UserUpdateData,
} from '../../../admin/schemas.js';
import { createUser, getUser, listUsers, resetPassword, updateUser, userView } from '../../../admin/users.js';
import { noStore } from '../../context.js';
import { actorOf } from '../../plugins/admin-auth.js';
import { adminSchema } from './common.js';

type T = { Params: { tenant: string } };
type U = { Params: { tenant: string; user: string } };

export function userRoutes(api: FastifyInstance): void {
  const deps = api.pixie.deps;
  api.post<T & { Body: UserCreateData }>('/api/admin/:tenant/users', {
    schema: adminSchema('users', 'Create a user', { params: TenantParams, body: UserCreate, response: { 201: User } }),
  }, async (request, reply) => reply.status(201).send(await createUser(deps, actorOf(request), request.params.tenant, request.body)));

  api.get<T & { Querystring: PageQueryData }>('/api/admin/:tenant/users', {
    schema: adminSchema('users', 'List users', { params: TenantParams, querystring: PageQuery, response: { 200: PageOf(User) } }),
  }, async (request) => listUsers(deps, request.params.tenant, request.query));

  api.get<U>('/api/admin/:tenant/users/:user', {
    schema: adminSchema('users', 'Show a user (by id or username)', { params: UserParams, response: { 200: User } }),
  }, async ({ params: p }) => userView(await getUser(deps, p.tenant, p.user)));

  api.patch<U & { Body: UserUpdateData }>('/api/admin/:tenant/users/:user', {
    schema: adminSchema('users', 'Disable, enable or edit a user', { params: UserParams, body: UserUpdate, response: { 200: User } }),
  }, async (request) => updateUser(deps, actorOf(request), request.params.tenant, request.params.user, request.body));

  api.post<U & { Body: { password?: string } }>('/api/admin/:tenant/users/:user/password', {
    schema: adminSchema('users', "Reset a user's password (omit it to get a generated one, shown once)", {
      params: UserParams, body: PasswordReset, response: { 200: PasswordResetResult },
    }),
  }, async (request, reply) =>
    noStore(reply).send(await resetPassword(deps, actorOf(request), request.params.tenant, request.params.user, request.body?.password)));
}
