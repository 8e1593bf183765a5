/** Users of a tenant: create, list, show, disable, reset password. Never shows a hash. */
import type { CoreDeps } from '../core/deps.js';
import { AppError } from '../core/errors.js';
import type { User } from '../core/types.js';
import { hashPassword } from '../crypto/password.js';
import { randomBase64url, randomId } from '../crypto/random.js';
import { recordChange, type Actor } from './audit.js';
import { decodeCursor, page, type Page } from './pagination.js';
import type { UserCreateData, UserUpdateData } from './schemas.js';
import { getTenant } from './tenants.js';

export interface UserView {
  id: string;
  username: string;
  email: string | null;
  name: string | null;
  disabled: boolean;
}

export function userView(u: User): UserView {
  return { id: u.id, username: u.username, email: u.email, name: u.name, disabled: u.disabled };
}

/** Accepts the user id or the username, so operators can type what they know. */
export async function getUser(deps: CoreDeps, tenantId: string, idOrUsername: string): Promise<User> {
  const u = (await deps.stores.users.findById(tenantId, idOrUsername)) ?? (await deps.stores.users.findByUsername(tenantId, idOrUsername));
  if (!u) throw new AppError('not_found', `no user "${idOrUsername}" in tenant "${tenantId}"`);
  return u;
}

export async function createUser(deps: CoreDeps, actor: Actor, tenantId: string, data: UserCreateData): Promise<UserView> {
  await getTenant(deps, tenantId);
  // scrypt before the transaction: it is slow and must not hold the write lock.
  const passwordHash = await hashPassword(data.password, deps.passwordHashCost);
  const user: User = {
    tenantId, id: randomId(), username: data.username, passwordHash, email: data.email ?? null, name: data.name ?? null, disabled: false,
  };
  await deps.stores.transaction(async () => {
    if (await deps.stores.users.findByUsername(tenantId, data.username)) throw new AppError('conflict', `user "${data.username}" already exists`);
    await deps.stores.users.upsert(user, deps.clock.now());
    await recordChange(deps, actor, tenantId, 'user.create', user.id, { username: user.username });
  });
  return userView(user);
}

export async function listUsers(deps: CoreDeps, tenantId: string, q: { limit?: number | string; cursor?: string }): Promise<Page<UserView>> {
  await getTenant(deps, tenantId);
  const [after] = decodeCursor(q.cursor, ['']);
  return page(q.limit, (n) => deps.stores.admin.listUsers(tenantId, after, n), (u) => [u.username], userView);
}

export async function updateUser(deps: CoreDeps, actor: Actor, tenantId: string, idOrUsername: string, data: UserUpdateData): Promise<UserView> {
  return deps.stores.transaction(async () => {
    const u = await getUser(deps, tenantId, idOrUsername);
    const now = deps.clock.now();
    const next: User = {
      ...u, email: data.email !== undefined ? data.email : u.email, name: data.name !== undefined ? data.name : u.name,
      disabled: data.disabled ?? u.disabled,
    };
    await deps.stores.users.upsert(next, now);
    // Disabling also ends the user's sessions.
    if (data.disabled !== undefined) await deps.stores.admin.setUserDisabled(tenantId, u.id, data.disabled, now);
    await recordChange(deps, actor, tenantId, data.disabled === true ? 'user.disable' : 'user.update', u.id, { fields: Object.keys(data) });
    return userView(next);
  });
}

/** Sets the given password, or generates one and returns it once. */
export async function resetPassword(
  deps: CoreDeps, actor: Actor, tenantId: string, idOrUsername: string, password: string | undefined,
): Promise<{ id: string; password?: string }> {
  const u = await getUser(deps, tenantId, idOrUsername);
  const generated = password === undefined ? randomBase64url(18) : undefined;
  const passwordHash = await hashPassword(password ?? generated!, deps.passwordHashCost);
  await deps.stores.transaction(async () => {
    await deps.stores.admin.setUserPassword(tenantId, u.id, passwordHash, deps.clock.now());
    await recordChange(deps, actor, tenantId, 'user.reset_password', u.id, { generated: generated !== undefined });
  });
  return { id: u.id, ...(generated ? { password: generated } : {}) };
}
