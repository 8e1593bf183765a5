/** SqliteExecutor: group commit, explicit transactions queued behind each other, the read cache. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../../src/storage/database.js';
import type { SqliteExecutor } from '../../src/storage/sqlite.js';

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
    } as const;
    await db.stores.clients.upsert({ ...client, grantTypes: [], redirectUris: [], scopes: [], responseTypes: ['code'] }, now);
    await db.stores.sync();
    assert.equal((await db.stores.clients.find('cache', 's', 'c1'))?.name, 'one');
    await db.stores.clients.upsert({ ...client, name: 'two', grantTypes: [], redirectUris: [], scopes: [], responseTypes: ['code'] }, now);
    assert.equal((await db.stores.clients.find('cache', 's', 'c1'))?.name, 'two', 'read inside the batch sees the write');
    await db.stores.sync();
    assert.equal((await db.stores.clients.find('cache', 's', 'c1'))?.name, 'two', 'and after the commit');
    await assert.rejects(db.stores.transaction(async () => {
      await db.stores.clients.upsert({ ...client, name: 'three', grantTypes: [], redirectUris: [], scopes: [], responseTypes: ['code'] }, now);
      assert.equal((await db.stores.clients.find('cache', 's', 'c1'))?.name, 'three');
      throw new Error('undo');
    }));
    assert.equal((await db.stores.clients.find('cache', 's', 'c1'))?.name, 'two', 'a rolled-back write is not served from the cache');
  });
});
