/**
 * ServerDirectory over real storage: keys made with the server, other algs made on first need,
 * rotation of every alg, processes racing to make a key converge on one, and the bounded cache.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ServerDirectory } from '../../src/core/directory.js';
import { LruCache } from '../../src/core/lru.js';
import type { Stores } from '../../src/core/ports.js';
import { ensureServer } from '../../src/import/apply.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { TestClock } from '../helpers/server.js';

const URL_ = 'https://auth.example.com';

describe('ServerDirectory', () => {
  let dir: string;
  let db: Database;
  let stores: Stores;
  const clock = new TestClock(1_800_000_000);
  const directory = (size?: number) => new ServerDirectory(stores, clock, () => URL_, size);
  const active = async (tenant: string, alg: string) =>
    (await stores.keys.listPublished(tenant, 'default', clock.now())).filter((k) => k.alg === alg && (k.retiredAt === null || k.retiredAt > clock.now()));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pixie-directory-'));
    db = await openDatabase({ dataDir: dir });
    stores = db.stores;
    await stores.tenants.upsert({ id: 'dir', name: 'Dir' }, clock.now());
    await ensureServer(stores, 'dir', 'default', clock.now());
  });
  after(async () => {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a new server has its ES256 key from the start, and no other', async () => {
    const keys = await stores.keys.listPublished('dir', 'default', clock.now());
    assert.deepEqual(keys.map((k) => k.alg), ['ES256']);
    const rs = (await directory().resolve('dir', 'default'))!;
    assert.equal(rs.signingKey.alg, 'ES256');
    assert.deepEqual([...rs.activeKeys.keys()], ['ES256']);
    assert.equal(rs.issuer, `${URL_}/dir/default`);
  });

  it('makes the RS256 key on first need, once, and publishes it beside ES256', async () => {
    const d = directory();
    const rs = (await d.resolve('dir', 'default'))!;
    const [a, b] = await Promise.all([d.keyFor(rs, 'RS256'), d.keyFor(rs, 'RS256')]);
    assert.equal(a.kid, b.kid, 'concurrent needs share one generation');
    assert.equal(a.alg, 'RS256');
    assert.equal((await active('dir', 'RS256')).length, 1);
    const again = (await d.resolve('dir', 'default'))!;
    assert.equal((await d.keyFor(again, 'RS256')).kid, a.kid);
    assert.deepEqual(new Set((await d.jwks(again)).map((k) => k.alg)), new Set(['ES256', 'RS256']));
  });

  it('prepareKey starts the key in the background and the JWKS waits for it', async () => {
    const d = directory();
    const rs = (await d.resolve('dir', 'default'))!;
    assert.ok(!rs.activeKeys.has('EdDSA'));
    d.prepareKey(rs, 'EdDSA');
    const keys = await d.jwks(rs);
    assert.ok(keys.some((k) => k.alg === 'EdDSA'), 'the JWKS fetched after /authorize has the ID token key');
  });

  it('rotation replaces the key of every alg; the old ones stay published until their tokens expire', async () => {
    const d = directory();
    const old = (await d.resolve('dir', 'default'))!;
    const oldKids = [...old.activeKeys.values()].map((k) => k.kid);
    clock.advance(1);
    const kid = await d.rotateKeys('dir', 'default');
    const rs = (await d.resolve('dir', 'default'))!;
    assert.equal(rs.signingKey.kid, kid);
    for (const alg of ['ES256', 'RS256', 'EdDSA'] as const) {
      const now = rs.activeKeys.get(alg)!;
      assert.ok(!oldKids.includes(now.kid), `${alg} rotated`);
      assert.equal((await active('dir', alg)).length, 1, `one active ${alg} key`);
    }
    const published = new Set(rs.jwks.map((k) => k.kid));
    for (const k of oldKids) assert.ok(published.has(k), 'a retired key is still in the JWKS');
    clock.advance(86400 + 120);
    const later = (await directory().resolve('dir', 'default'))!;
    for (const k of oldKids) assert.ok(!later.jwks.some((j) => j.kid === k), 'and leaves it once its tokens expired');
  });

  it('two processes making the same key at once converge on one', async () => {
    await stores.tenants.upsert({ id: 'race', name: 'Race' }, clock.now());
    await ensureServer(stores, 'race', 'default', clock.now());
    const [p1, p2] = [directory(), directory()];
    const [r1, r2] = [(await p1.resolve('race', 'default'))!, (await p2.resolve('race', 'default'))!];
    await Promise.all([p1.keyFor(r1, 'RS256'), p2.keyFor(r2, 'RS256')]);
    const left = await active('race', 'RS256');
    assert.equal(left.length, 1, 'every key but one retired');
    p1.invalidate();
    p2.invalidate();
    const k1 = (await p1.resolve('race', 'default'))!.activeKeys.get('RS256')!.kid;
    const k2 = (await p2.resolve('race', 'default'))!.activeKeys.get('RS256')!.kid;
    assert.equal(k1, k2);
    assert.equal(k1, left[0]!.kid);
  });

  it('a server without any key (made by an earlier release) gets one at first resolve', async () => {
    await stores.tenants.upsert({ id: 'legacy', name: 'Legacy' }, clock.now());
    await stores.servers.upsert({ tenantId: 'legacy', id: 'default', settings: {} as never, customScopes: [] }, clock.now());
    assert.equal((await stores.keys.listPublished('legacy', 'default', clock.now())).length, 0);
    const rs = (await directory().resolve('legacy', 'default'))!;
    assert.equal(rs.signingKey.alg, 'ES256');
    assert.equal(rs.jwks.length, 1);
  });

  it('keeps at most the configured number of servers resolved', async () => {
    let reads = 0;
    const counting = { ...stores, servers: { ...stores.servers, get: (t: string, s: string) => { reads++; return stores.servers.get(t, s); } } };
    const d = new ServerDirectory(counting, clock, () => URL_, 2);
    for (const t of ['dir', 'race', 'legacy']) await d.resolve(t, 'default');
    assert.equal(reads, 3);
    await d.resolve('legacy', 'default');
    await d.resolve('race', 'default');
    assert.equal(reads, 3, 'the two most recent are cached');
    await d.resolve('dir', 'default');
    assert.equal(reads, 4, 'the least recently used was dropped');
  });
});

describe('LruCache', () => {
  it('drops the least recently used entry first', () => {
    const c = new LruCache<string, number>(2);
    c.set('a', 1);
    c.set('b', 2);
    assert.equal(c.get('a'), 1);
    c.set('c', 3);
    assert.equal(c.get('b'), undefined);
    assert.equal(c.get('a'), 1);
    assert.equal(c.get('c'), 3);
    assert.equal(c.size, 2);
  });
  it('refuses a size below one', () => {
    assert.throws(() => new LruCache(0), /positive integer/);
  });
});
