import type { GrantStore, UserStore } from '../../core/ports.js';
import type { Grant, User } from '../../core/types.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import type { GrantsTable, UsersTable } from '../schema.js';
import { parseJson } from './json.js';

const byUsername = statement('users.byUsername', (db) =>
  db.selectFrom('users').selectAll().where('tenant_id', '=', param('tenantId')).where('username', '=', param('username')),
);
const byId = statement('users.byId', (db) =>
  db.selectFrom('users').selectAll().where('tenant_id', '=', param('tenantId')).where('id', '=', param('id')),
);
const upsertUser = statement('users.upsert', (db) =>
  db.insertInto('users')
    .values({
      tenant_id: param('tenantId'), id: param('id'), username: param('username'), password_hash: param('passwordHash'),
      email: param<string | null>('email'), name: param<string | null>('name'), disabled: param<number>('disabled'),
      created_at: param<number>('now'), updated_at: param<number>('now'),
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'username']).doUpdateSet({
      password_hash: param('passwordHash'), email: param<string | null>('email'), name: param<string | null>('name'),
      disabled: param<number>('disabled'), updated_at: param<number>('now'),
    })),
);

export function toUser(r: UsersTable): User {
  return {
    tenantId: r.tenant_id, id: r.id, username: r.username, passwordHash: r.password_hash, email: r.email,
    name: r.name, disabled: r.disabled === 1,
  };
}

export function userStore(x: SqlExecutor): UserStore {
  return {
    findByUsername: async (tenantId, username) => {
      const r = await x.first(byUsername, { tenantId, username });
      return r ? toUser(r) : null;
    },
    findById: async (tenantId, id) => {
      const r = await x.first(byId, { tenantId, id });
      return r ? toUser(r) : null;
    },
    upsert: async (u, now) => {
      await x.run(upsertUser, {
        tenantId: u.tenantId, id: u.id, username: u.username, passwordHash: u.passwordHash, email: u.email,
        name: u.name, disabled: u.disabled ? 1 : 0, now,
      });
    },
  };
}

const findGrant = statement('grants.find', (db) =>
  db.selectFrom('grants').selectAll()
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId'))
    .where('client_id', '=', param('clientId')).where('user_id', '=', param('userId'))
    .where('revoked_at', 'is', null),
);
const findAnyGrant = statement('grants.findAny', (db) =>
  db.selectFrom('grants').select(['id', 'scopes', 'revoked_at'])
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId'))
    .where('client_id', '=', param('clientId')).where('user_id', '=', param('userId')),
);
const insertGrant = statement('grants.insert', (db) =>
  db.insertInto('grants').values({
    id: param('id'), tenant_id: param('tenantId'), server_id: param('serverId'), client_id: param('clientId'),
    user_id: param('userId'), scopes: param('scopes'), created_at: param<number>('now'),
    last_used_at: null, revoked_at: null,
  }).onConflict((oc) => oc.columns(['tenant_id', 'server_id', 'client_id', 'user_id']).doNothing()),
);
const updateGrant = statement('grants.update', (db) =>
  db.updateTable('grants').set({ id: param('newId'), scopes: param('scopes'), revoked_at: null })
    .where('id', '=', param('id')),
);
// Last use to the minute: a write (and a WAL commit) per token request would cost more than the
// rest of the request; a grant used again within the minute matches no row and writes nothing.
const TOUCH_INTERVAL = 60;
const touchGrant = statement('grants.touch', (db) =>
  db.updateTable('grants').set({ last_used_at: param<number>('now') }).where('id', '=', param('id'))
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', param<number>('since'))])),
);

const listByUser = statement('grants.listByUser', (db) =>
  db.selectFrom('grants').selectAll()
    .where('tenant_id', '=', param('tenantId')).where('user_id', '=', param('userId')).where('revoked_at', 'is', null)
    // NULLS LAST on both: PostgreSQL would list never-used grants first in a descending order.
    .orderBy('last_used_at', (ob) => ob.desc().nullsLast()).orderBy('created_at', 'desc'),
);
const revokeGrant = statement('grants.revoke', (db) =>
  db.updateTable('grants').set({ revoked_at: param<number>('now') })
    .where('tenant_id', '=', param('tenantId')).where('user_id', '=', param('userId')).where('id', '=', param('id'))
    .where('revoked_at', 'is', null),
);
const revokeClientGrants = statement('grants.revokeByClient', (db) =>
  db.updateTable('grants').set({ revoked_at: param<number>('now') })
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId'))
    .where('client_id', '=', param('clientId')).where('revoked_at', 'is', null),
);

export function toGrant(r: GrantsTable): Grant {
  return {
    id: r.id, tenantId: r.tenant_id, serverId: r.server_id, clientId: r.client_id, userId: r.user_id,
    scopes: parseJson<string[]>(r.scopes, []), createdAt: r.created_at, lastUsedAt: r.last_used_at,
  };
}

export function grantStore(x: SqlExecutor): GrantStore {
  // The last touch this process wrote per grant: a use within the interval skips the statement
  // (which would change nothing) instead of running it on every token request.
  const touched = new Map<string, number>();
  return {
    find: async (tenantId, serverId, clientId, userId) => {
      const r = await x.first(findGrant, { tenantId, serverId, clientId, userId });
      return r ? toGrant(r) : null;
    },
    remember: async (g) => {
      const key = { tenantId: g.tenantId, serverId: g.serverId, clientId: g.clientId, userId: g.userId };
      // Insert first: two concurrent consents (two processes) must not both see "no grant"
      // and then collide on the unique key.
      if (await x.run(insertGrant, { ...key, id: g.id, scopes: JSON.stringify(g.scopes), now: g.createdAt })) return g.id;
      const existing = await x.first(findAnyGrant, key);
      if (!existing) throw new Error('grant vanished while being remembered');
      // A revoked grant starts again from the new scopes; a live one widens.
      const previous = existing.revoked_at === null ? parseJson<string[]>(existing.scopes, []) : [];
      const scopes = [...new Set([...previous, ...g.scopes])];
      // A grant given again after a revocation gets a new id, so codes and tokens of the revoked
      // one (which carry its id) cannot come back to life.
      const id = existing.revoked_at === null ? existing.id : g.id;
      await x.run(updateGrant, { id: existing.id, newId: id, scopes: JSON.stringify(scopes) });
      return id;
    },
    touch: async (id, now) => {
      const last = touched.get(id);
      if (last !== undefined && now - last < TOUCH_INTERVAL && now >= last) return;
      if (touched.size >= 10_000) touched.clear(); // bounded; forgetting only costs one more UPDATE
      touched.set(id, now);
      await x.run(touchGrant, { id, now, since: now - TOUCH_INTERVAL });
    },
    listByUser: async (tenantId, userId) => (await x.all(listByUser, { tenantId, userId })).map(toGrant),
    revoke: (tenantId, userId, id, now) => x.run(revokeGrant, { tenantId, userId, id, now }),
    revokeByClient: (tenantId, serverId, clientId, now) => x.run(revokeClientGrants, { tenantId, serverId, clientId, now }),
  };
}
