/**
 * Storage contract, tenants at scale (run by contract.test.ts inside each backend's suite):
 * keyset listing and prefix search of tenants and servers, and deleting a tenant in batches with
 * every row it has in any table. Expects tenants t-a and t-b with server `default` and client `app`.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Stores } from '../../src/core/ports.js';
import type { Client, TokenRecord } from '../../src/core/types.js';
import { generateKeyMaterial } from '../../src/crypto/keys.js';
import { randomId } from '../../src/crypto/random.js';
import type { Database } from '../../src/storage/database.js';
import type { PostgresExecutor } from '../../src/storage/postgres.js';
import type { SqliteExecutor } from '../../src/storage/sqlite.js';

/** Read-only SQL on the backend's own connection, to look at every table whatever the ports show. */
export interface RawDatabase {
  /** Tables with a `tenant_id` column. */
  tenantTables(): Promise<string[]>;
  /** Rows of `table` with this tenant_id. */
  countByTenant(table: string, tenantId: string): Promise<number>;
  /** login_attempts rows whose key starts with `prefix`. */
  countLoginAttempts(prefix: string): Promise<number>;
}

/** RawDatabase on the connection of an open database, SQLite or PostgreSQL. */
export function rawDatabase(db: Database): RawDatabase {
  if (db.executor.dialect === 'sqlite') {
    const sqlite = (db.executor as SqliteExecutor).db;
    const count = (sql: string, ...params: unknown[]) => Number((sqlite.prepare(sql).raw(true).get(...params) as unknown[])[0]);
    return {
      tenantTables: async () => (sqlite.prepare(
        "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c WHERE m.type = 'table' AND c.name = 'tenant_id' ORDER BY m.name",
      ).raw(true).all() as string[][]).map((r) => r[0]!),
      countByTenant: async (table, tenantId) => count(`SELECT count(*) FROM "${table}" WHERE tenant_id = ?`, tenantId),
      countLoginAttempts: async (prefix) => count('SELECT count(*) FROM login_attempts WHERE substr(key, 1, ?) = ?', prefix.length, prefix),
    };
  }
  const pool = (db.executor as PostgresExecutor).pool;
  const count = async (sql: string, params: unknown[]) => Number((await pool.query(sql, params)).rows[0].count);
  return {
    tenantTables: async () => (await pool.query(
      "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'tenant_id' ORDER BY table_name",
    )).rows.map((r: { table_name: string }) => r.table_name),
    countByTenant: (table, tenantId) => count(`SELECT count(*) FROM "${table}" WHERE tenant_id = $1`, [tenantId]),
    countLoginAttempts: (prefix) => count('SELECT count(*) FROM login_attempts WHERE substr(key, 1, $1) = $2', [prefix.length, prefix]),
  };
}

/** Rows of the tenant in each table that has a tenant_id. */
export async function rowsByTable(raw: RawDatabase, tenantId: string): Promise<Record<string, number>> {
  const tables = await raw.tenantTables();
  return Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await raw.countByTenant(t, tenantId)] as const)));
}

export function tenantContract(
  s: () => Stores, raw: () => RawDatabase, NOW: number, client: (t: string, id: string, over?: Partial<Client>) => Client,
  token: (over?: Partial<TokenRecord>) => TokenRecord,
): void {
  it('lists tenants by id in keyset pages and finds them by id or name prefix, ASCII case ignored', async () => {
    for (const [id, name] of [['acme-1', 'Acme One'], ['acme-2', 'Road Runner'], ['zeta', 'ACME Zeta'], ['beta', 'Acmeist'], ['gamma', 'Not Acme']]) {
      await s().tenants.upsert({ id: id!, name: name! }, NOW);
    }
    const found = await s().admin.listTenants('', 10, 'acme');
    assert.deepEqual(found.map((t) => t.id), ['acme-1', 'acme-2', 'beta', 'zeta'], 'id prefix or name prefix; not a name that only contains it');
    assert.deepEqual((await s().admin.listTenants('acme-2', 10, 'acme')).map((t) => t.id), ['beta', 'zeta']);
    assert.deepEqual((await s().admin.listTenants('', 10, 'acme-')).map((t) => t.id), ['acme-1', 'acme-2']);
    assert.deepEqual(await s().admin.listTenants('', 10, 'nobody'), []);
    const first = await s().admin.listTenants('', 2, null);
    assert.equal(first.length, 2);
    const rest = await s().admin.listTenants(first[1]!.id, 1000, null);
    const all = [...first, ...rest].map((t) => t.id);
    assert.deepEqual(all, [...all].sort(), 'ordered by id');
    for (const id of ['acme-1', 'gamma', 't-a', 't-b']) assert.ok(all.includes(id), id);
  });

  it("lists a tenant's servers by id in keyset pages, by id prefix, and never another tenant's", async () => {
    for (const id of ['api-1', 'api-2', 'web']) await s().servers.upsert({ tenantId: 't-a', id, settings: {} as never, customScopes: [] }, NOW);
    await s().servers.upsert({ tenantId: 't-b', id: 'api-3', settings: {} as never, customScopes: [] }, NOW);
    assert.deepEqual((await s().admin.listServers('t-a', '', 10, 'api')).map((x) => x.id), ['api-1', 'api-2']);
    assert.deepEqual((await s().admin.listServers('t-a', 'api-1', 10, 'api')).map((x) => x.id), ['api-2']);
    assert.deepEqual((await s().admin.listServers('t-a', '', 2, null)).map((x) => x.id), ['api-1', 'api-2']);
    assert.deepEqual((await s().admin.listServers('t-a', 'api-2', 10, null)).map((x) => `${x.tenantId}/${x.id}`), ['t-a/default', 't-a/web']);
  });

  it('deletes a tenant in batches with every row it has in every table, and nothing of another tenant', async () => {
    const T = 't-gone';
    await s().tenants.upsert({ id: T, name: 'Gone' }, NOW);
    for (const id of ['default', 'admin']) await s().servers.upsert({ tenantId: T, id, settings: {} as never, customScopes: [] }, NOW);
    await s().keys.insert(T, 'default', { ...(await generateKeyMaterial('ES256')), createdAt: NOW, retiredAt: null, expiresAt: null });
    await s().clients.upsert(client(T, 'app'), NOW);
    await s().clients.upsert(client(T, 'app', { serverId: 'admin' }), NOW);
    await s().clients.addSecret(T, 'default', 'app', {
      id: randomId(), name: 's', hash: randomId(), displayPrefix: 'pxs_x', createdAt: NOW, expiresAt: null, lastUsedAt: null, revokedAt: null,
    });
    await s().apiKeys.add({
      id: randomId(), tenantId: T, serverId: 'default', clientId: 'app', name: 'k', hash: randomId(), displayPrefix: 'pxk_x',
      createdAt: NOW, expiresAt: null, lastUsedAt: null, revokedAt: null,
    });
    await s().users.upsert({ tenantId: T, id: 'gone-bob', username: 'bob', passwordHash: 'h', email: null, name: null, disabled: false }, NOW);
    const grantId = await s().grants.remember({ id: randomId(), tenantId: T, serverId: 'default', clientId: 'app', userId: 'gone-bob', scopes: ['openid'], createdAt: NOW });
    await s().codes.save({
      hash: randomId(), tenantId: T, serverId: 'default', clientId: 'app', userId: 'gone-bob', grantId, redirectUri: 'https://app.example.com/cb',
      scope: 'openid', codeChallenge: null, codeChallengeMethod: null, nonce: null, authTime: NOW, expiresAt: NOW + 60, consumedAt: null,
      createdAt: NOW, replayedAt: null,
    });
    // More tokens than one batch takes (500), so that deleting them takes several.
    for (let i = 0; i < 1200; i += 100) {
      await Promise.all(Array.from({ length: 100 }, () => s().tokens.save(token({ tenantId: T, userId: 'gone-bob', grantId }))));
    }
    await s().sessions.save({ hash: randomId(), tenantId: T, userId: 'gone-bob', authTime: NOW, expiresAt: NOW + 3600 });
    await s().interactions.save({
      id: randomId(), createdAt: NOW, expiresAt: NOW + 600,
      request: {
        tenantId: T, serverId: 'default', clientId: 'app', redirectUri: 'https://app.example.com/cb', responseType: 'code', scopes: ['openid'],
        state: null, codeChallenge: null, codeChallengeMethod: null, nonce: null, prompt: [], maxAge: null, policy: 'oauth2',
      },
    });
    await s().tokens.useChallenge(T, 'default', 'gone-challenge', NOW);
    await s().dpopJtis.use(T, 'default', 'gone-jti', NOW + 70);
    await s().deviceCodes.save({
      hash: randomId(), userCodeHash: randomId(), tenantId: T, serverId: 'default', clientId: 'app', scope: 'openid', status: 'pending',
      userId: null, grantId: null, authTime: null, interval: 5, lastPolledAt: null, expiresAt: NOW + 600, createdAt: NOW,
    });
    await s().registrationTokens.add({
      id: randomId(), tenantId: T, serverId: 'default', name: 'n', hash: randomId(), displayPrefix: 'pxia_x', createdAt: NOW, expiresAt: null,
      maxUses: 1, uses: 0, revokedAt: null,
    });
    await s().pushedRequests.save({
      hash: randomId(), tenantId: T, serverId: 'default', clientId: 'app', params: { client_id: 'app' }, resources: [], expiresAt: NOW + 60, createdAt: NOW,
    });
    await s().audit.append({ id: randomId(), tenantId: T, actorTenantId: null, actorClientId: 'cli', action: 'client.create', target: 'app', details: {}, createdAt: NOW });
    await s().loginAttempts.increment(`acct:${T}:bob`, NOW, NOW - 3600);
    await s().loginAttempts.increment(`dev:${T}:device-1`, NOW, NOW - 3600);
    // Sign-in counters of other tenants stay, one of them with a name that starts like this one's.
    for (const key of [`acct:${T}-2:bob`, 'acct:t-a:bob', 'ip:127.0.0.1', 'dev:t-a:device-1']) await s().loginAttempts.increment(key, NOW, NOW - 3600);

    const db = raw();
    const tables = await db.tenantTables();
    for (const t of ['tenants', 'login_attempts']) assert.ok(!tables.includes(t));
    for (const t of ['servers', 'signing_keys', 'clients', 'client_secrets', 'api_keys', 'users', 'grants', 'authorization_codes', 'tokens',
      'sessions', 'interactions', 'used_challenges', 'audit_log', 'dpop_jtis', 'device_codes']) assert.ok(tables.includes(t), `${t} has a tenant_id`);
    const snapshot = (tenantId: string) => rowsByTable(db, tenantId);
    const before = await snapshot(T);
    for (const t of tables) assert.ok(before[t]! > 0, `the doomed tenant has rows in ${t}`);
    const others = { 't-a': await snapshot('t-a'), 't-b': await snapshot('t-b') };

    assert.ok(await s().admin.deleteTenantRows(T) >= 1200 + 12);
    assert.ok(await s().tenants.get(T), 'the tenant itself stays until deleteTenant');
    assert.equal(await s().admin.deleteTenant(T), true);
    assert.equal(await s().admin.deleteTenant(T), false);
    assert.equal(await s().tenants.get(T), null);
    assert.deepEqual(await snapshot(T), Object.fromEntries(tables.map((t) => [t, 0])), 'no row of the tenant is left in any table');
    assert.equal(await db.countLoginAttempts(`acct:${T}:`), 0);
    assert.equal(await db.countLoginAttempts(`dev:${T}:`), 0);
    assert.deepEqual({ 't-a': await snapshot('t-a'), 't-b': await snapshot('t-b') }, others, 'other tenants keep every row');
    for (const key of [`acct:${T}-2:`, 'acct:t-a:', 'ip:', 'dev:t-a:']) assert.equal(await db.countLoginAttempts(key), 1, key);
  });
}
