/**
 * SqliteExecutor: group commit, read batching, explicit transactions queued behind each other,
 * the read cache.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { param, statement } from '../../src/storage/prepared.js';
import { openSqlite, type SqliteExecutor } from '../../src/storage/sqlite.js';

let db: Database;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pixie-exec-'));
  db = await openDatabase({ dataDir: dir });
});
after(async () => {
  await db.stores.close();
  rmSync(dir, { recursive: true, force: true });
});

const sqlite = () => (db.executor as SqliteExecutor).db;
const now = 1_800_000_000;

describe('SqliteExecutor', () => {
  it('commits the writes of a turn before sync() resolves', async () => {
    await db.stores.tenants.upsert({ id: 'gc', name: 'Group commit' }, now);
    assert.equal(sqlite().inTransaction, true, 'the write is in the open batch');
    await db.stores.sync();
    assert.equal(sqlite().inTransaction, false);
    assert.ok(await db.stores.tenants.get('gc'));
  });

  it('reads of one turn share a transaction that ends in the check phase', async () => {
    await db.stores.tenants.upsert({ id: 'reads', name: 'Reads' }, now);
    await db.stores.sync();
    await new Promise((r) => setImmediate(r));
    assert.equal(sqlite().inTransaction, false);
    const [a, b] = await Promise.all([db.stores.tenants.get('reads'), db.stores.tenants.get('gc')]);
    assert.equal(a?.name, 'Reads');
    assert.equal(b?.name, 'Group commit');
    assert.equal(sqlite().inTransaction, true, 'the reads are in the turn\'s read transaction');
    await new Promise((r) => setImmediate(r));
    assert.equal(sqlite().inTransaction, false, 'ended in the check phase');
  });

  it('a write after a read in the same turn commits even when another process wrote in between', async () => {
    const other = openSqlite(join(dir, 'pixie.db'));
    try {
      await new Promise((r) => setImmediate(r));
      assert.equal(await db.stores.tenants.get('elsewhere'), null); // takes this turn's snapshot
      other.prepare('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)').run('elsewhere', 'E', now);
      // Inside the read transaction this write would fail with SQLITE_BUSY_SNAPSHOT.
      await db.stores.tenants.upsert({ id: 'after-read', name: 'A' }, now);
      await db.stores.sync();
      assert.ok(await db.stores.tenants.get('after-read'));
      assert.equal((await db.stores.tenants.get('elsewhere'))?.name, 'E', 'the other process\'s write is seen');
      assert.ok(other.prepare('SELECT 1 FROM tenants WHERE id = ?').get('after-read'), 'durable for the other process');
    } finally {
      other.close();
    }
  });

  it('maps rows right after another process changes the schema', async () => {
    // The shape of consuming a code: every column, then computed ones after them.
    const withLive = statement('test.withLive', (k) => k.selectFrom('tenants').selectAll().select((eb) => eb.lit(7).as('live')).where('id', '=', param('id')));
    assert.equal((await db.executor.first<{ name: string; live: number }>(withLive, { id: 'gc' }))?.live, 7);
    const other = openSqlite(join(dir, 'pixie.db'));
    try {
      other.exec('ALTER TABLE tenants ADD COLUMN added_later TEXT');
    } finally {
      other.close();
    }
    await new Promise((r) => setImmediate(r));
    const row = await db.executor.first<{ name: string; live: number; added_later: null }>(withLive, { id: 'gc' });
    assert.deepEqual([row?.name, row?.added_later, row?.live], ['Group commit', null, 7]);
  });

  it('a failed read inside the turn\'s read transaction does not stop the next write', async () => {
    await new Promise((r) => setImmediate(r));
    const broken = statement('test.overflow', (k, { sql }) => k.selectNoFrom(sql<number>`abs(-9223372036854775807 - 1)`.as('x')));
    await assert.rejects(db.executor.first(broken), /overflow/);
    await db.stores.tenants.upsert({ id: 'after-failed-read', name: 'F' }, now);
    const pending = db.stores.sync();
    assert.ok(pending, 'the write waits for its commit');
    await pending;
    assert.ok(await db.stores.tenants.get('after-failed-read'));
  });

  it('runs queued transactions one after another, with statements from outside in between', async () => {
    const order: string[] = [];
    const tx = (name: string) => db.stores.transaction(async () => {
      order.push(`${name}:start`);
      await db.stores.tenants.upsert({ id: name, name }, now);
      await new Promise((r) => setTimeout(r, 5));
      order.push(`${name}:end`);
    });
    const results = await Promise.allSettled([tx('ta'), tx('tb'), tx('tc'), db.stores.tenants.upsert({ id: 'outside', name: 'o' }, now)]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    for (const name of ['ta', 'tb', 'tc']) assert.equal(order.indexOf(`${name}:end`), order.indexOf(`${name}:start`) + 1, `${name} ran alone: ${order}`);
    await db.stores.sync();
    for (const id of ['ta', 'tb', 'tc', 'outside']) assert.ok(await db.stores.tenants.get(id), id);
  });

  it('rolls back a failed transaction and keeps serving', async () => {
    await assert.rejects(db.stores.transaction(async () => {
      await db.stores.tenants.upsert({ id: 'rolled', name: 'r' }, now);
      throw new Error('boom');
    }), /boom/);
    assert.equal(await db.stores.tenants.get('rolled'), null);
    await db.stores.tenants.upsert({ id: 'after', name: 'a' }, now);
    await db.stores.sync();
    assert.ok(await db.stores.tenants.get('after'));
  });

  it('counts parallel login failures atomically', async () => {
    await Promise.all(Array.from({ length: 30 }, () => db.stores.loginAttempts.increment('k', now, now - 3600)));
    assert.equal((await db.stores.loginAttempts.get('k'))?.failures, 30);
    assert.equal((await db.stores.loginAttempts.increment('k', now + 7200, now + 3600)).failures, 1, 'old failures are forgotten');
  });

  it('never serves a client from the cache after a write through this process', async () => {
    await db.stores.tenants.upsert({ id: 'cache', name: 'c' }, now);
    await db.stores.servers.upsert({ tenantId: 'cache', id: 's', settings: {} as never, customScopes: [] }, now);
    const client = {
      tenantId: 'cache', serverId: 's', clientId: 'c1', name: 'one', description: '', public: true, grantTypes: [],
      redirectUris: [], oauthDomain: null, scopes: [], responseTypes: ['code'], tokenEndpointAuthMethod: 'none', ownerUserId: null,
      idTokenSignedResponseAlg: 'RS256',
    } as const;
    await db.stores.clients.upsert({ ...client, grantTypes: [], redirectUris: [], scopes: [], responseTypes: ['code'], allowedOrigins: [], postLogoutRedirectUris: [] }, now);
    await db.stores.sync();
    assert.equal((await db.stores.clients.find('cache', 's', 'c1'))?.name, 'one');
    await db.stores.clients.upsert({ ...client, name: 'two', grantTypes: [], redirectUris: [], scopes: [], responseTypes: ['code'], allowedOrigins: [], postLogoutRedirectUris: [] }, now);
    assert.equal((await db.stores.clients.find('cache', 's', 'c1'))?.name, 'two', 'read inside the batch sees the write');
    await db.stores.sync();
    assert.equal((await db.stores.clients.find('cache', 's', 'c1'))?.name, 'two', 'and after the commit');
    await assert.rejects(db.stores.transaction(async () => {
      await db.stores.clients.upsert({ ...client, name: 'three', grantTypes: [], redirectUris: [], scopes: [], responseTypes: ['code'], allowedOrigins: [], postLogoutRedirectUris: [] }, now);
      assert.equal((await db.stores.clients.find('cache', 's', 'c1'))?.name, 'three');
      throw new Error('undo');
    }));
    assert.equal((await db.stores.clients.find('cache', 's', 'c1'))?.name, 'two', 'a rolled-back write is not served from the cache');
  });
});
