/**
 * The storage contract: one suite every backend must pass unchanged (SQLite always, PostgreSQL
 * when PIXIE_TEST_DATABASE_URL is set, and the in-memory ports the unit tests of core run on). Times are past 2^31 so 32-bit columns or bigint parsing
 * would show.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Stores } from '../../src/core/ports.js';
import type { AuthorizationCode, Client, TokenRecord } from '../../src/core/types.js';
import { generateKeyMaterialSync } from '../../src/crypto/keys.js';
import { randomId } from '../../src/crypto/random.js';
import { openDatabase } from '../../src/storage/database.js';
import { createMemoryStores, rawMemory } from '../helpers/memory/index.js';
import { createTestSchema, describeUnless, PG_SKIP } from '../helpers/postgres.js';
import { adminContract } from './contract-admin.js';
import { dpopContract } from './contract-dpop.js';
import { deviceContract } from './contract-device.js';
import { keyContract } from './contract-keys.js';
import { pushedRequestContract } from './contract-pushed.js';
import { rawDatabase, tenantContract, type RawDatabase } from './contract-tenants.js';

const NOW = 3_000_000_000;

interface Backend { name: string; skip: string | false; open(): Promise<{ stores: Stores; raw: RawDatabase; close(): Promise<void> }> }

const BACKENDS: Backend[] = [
  {
    name: 'SQLite', skip: false,
    async open() {
      const dataDir = mkdtempSync(join(tmpdir(), 'pixie-contract-'));
      const db = await openDatabase({ dataDir });
      return { stores: db.stores, raw: rawDatabase(db), close: async () => { await db.stores.close(); rmSync(dataDir, { recursive: true, force: true }); } };
    },
  },
  {
    name: 'PostgreSQL', skip: PG_SKIP,
    async open() {
      const schema = await createTestSchema();
      const db = await openDatabase({ databaseUrl: schema.url, dataDir: '' }).catch(async (err) => { await schema.drop(); throw err; });
      return { stores: db.stores, raw: rawDatabase(db), close: async () => { await db.stores.close(); await schema.drop(); } };
    },
  },
  {
    name: 'memory (test/helpers/memory)', skip: false,
    async open() {
      const { stores, db } = createMemoryStores();
      return { stores, raw: rawMemory(db), close: () => stores.close() };
    },
  },
];

function client(tenantId: string, clientId: string, over: Partial<Client> = {}): Client {
  return {
    tenantId, serverId: 'default', clientId, name: `App ${tenantId}`, description: '', public: false,
    grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['https://app.example.com/cb'], oauthDomain: null,
    scopes: ['openid', 'read_inbox'], responseTypes: ['code'], tokenEndpointAuthMethod: 'client_secret_basic', ownerUserId: null,
    requirePkce: false, nonWebRedirect: false, allowedOrigins: ['https://spa.example.com'],
    postLogoutRedirectUris: ['https://app.example.com/bye'], idTokenSignedResponseAlg: 'ES256', requirePushedAuthorizationRequests: false, ...over,
  };
}

function code(over: Partial<AuthorizationCode> = {}): AuthorizationCode {
  return {
    hash: randomId(), tenantId: 't-a', serverId: 'default', clientId: 'app', userId: 'u1', grantId: 'g1',
    redirectUri: 'https://app.example.com/cb', redirectUriGiven: true, scope: 'openid', codeChallenge: 'abc', codeChallengeMethod: 'S256', nonce: null,
    authTime: NOW, expiresAt: NOW + 60, consumedAt: null, createdAt: NOW, replayedAt: null, ...over,
  };
}

function token(over: Partial<TokenRecord> = {}): TokenRecord {
  return {
    hash: randomId(), kind: 'access', tenantId: 't-a', serverId: 'default', clientId: 'app', userId: 'u1', scope: 'openid',
    createdAt: NOW, expiresAt: NOW + 3600, revokedAt: null, codeHash: null, familyId: null, grantId: null, consumedAt: null,
    authTime: NOW, codeChallenge: null, codeChallengeMethod: null, familyStartedAt: null, ...over,
  };
}

for (const backend of BACKENDS) {
  describeUnless(backend.skip, `storage contract on ${backend.name}`, () => {
    let s: Stores;
    let raw: RawDatabase;
    let close: () => Promise<void>;

    before(async () => {
      ({ stores: s, raw, close } = await backend.open());
      for (const t of ['t-a', 't-b']) {
        await s.tenants.upsert({ id: t, name: t.toUpperCase() }, NOW);
        await s.servers.upsert({ tenantId: t, id: 'default', settings: { accessTokenTtl: t === 't-a' ? 600 : 900 } as never, customScopes: [] }, NOW);
        await s.clients.upsert(client(t, 'app'), NOW);
        await s.users.upsert({ tenantId: t, id: `${t}-bob`, username: 'bob', passwordHash: `hash-${t}`, email: null, name: null, disabled: false }, NOW);
      }
    });
    after(() => close?.());

    it('answers ping once migrated', async () => {
      assert.equal(await s.ping(), true);
    });

    it('keeps tenants apart: same ids in two tenants read back their own rows', async () => {
      assert.equal((await s.servers.get('t-a', 'default'))!.settings.accessTokenTtl, 600);
      assert.equal((await s.servers.get('t-b', 'default'))!.settings.accessTokenTtl, 900);
      assert.equal((await s.clients.find('t-a', 'default', 'app'))!.name, 'App t-a');
      assert.equal((await s.clients.find('t-b', 'default', 'app'))!.name, 'App t-b');
      assert.equal((await s.users.findByUsername('t-b', 'bob'))!.id, 't-b-bob');
      assert.equal(await s.users.findById('t-a', 't-b-bob'), null);
      assert.equal(await s.clients.find('t-c', 'default', 'app'), null);
      assert.deepEqual((await s.servers.list('t-b')).map((x) => `${x.tenantId}/${x.id}`), ['t-b/default']);
    });

    it('upserts are idempotent and update in place', async () => {
      await s.tenants.upsert({ id: 't-up', name: 'one' }, NOW);
      await s.tenants.upsert({ id: 't-up', name: 'two' }, NOW + 1);
      assert.deepEqual(await s.tenants.get('t-up'), { id: 't-up', name: 'two' });
      assert.equal((await s.tenants.list()).filter((t) => t.id === 't-up').length, 1);
      const c = client('t-a', 'roundtrip', { public: true, oauthDomain: 'example.org', ownerUserId: 'u9', tokenEndpointAuthMethod: 'none' });
      await s.clients.upsert(c, NOW);
      await s.clients.upsert(c, NOW);
      assert.deepEqual(await s.clients.find('t-a', 'default', 'roundtrip'), c);
      await s.clients.upsert({ ...c, public: false, scopes: ['x'] }, NOW);
      const back = (await s.clients.find('t-a', 'default', 'roundtrip'))!;
      assert.equal(back.public, false);
      assert.deepEqual(back.scopes, ['x']);
      const u = { tenantId: 't-a', id: 'first-id', username: 'carol', passwordHash: 'h', email: 'c@x', name: 'C', disabled: true };
      await s.users.upsert(u, NOW);
      await s.users.upsert({ ...u, id: 'second-id', email: null }, NOW);
      assert.deepEqual(await s.users.findByUsername('t-a', 'carol'), { ...u, email: null });
    });

    it('stores client secrets by name and touches them', async () => {
      const secret = { id: randomId(), name: 'ci', hash: randomId(), displayPrefix: 'pxs_ab', createdAt: NOW, expiresAt: NOW + 10, lastUsedAt: null, revokedAt: null };
      await s.clients.addSecret('t-a', 'default', 'app', secret);
      await s.clients.touchSecret(secret.id, NOW + 5);
      assert.deepEqual(await s.clients.listSecrets('t-a', 'default', 'app'), [{ ...secret, lastUsedAt: NOW + 5 }]);
      assert.deepEqual(await s.clients.listSecrets('t-b', 'default', 'app'), []);
      await s.clients.deleteSecretsByName('t-a', 'default', 'app', ['ci']);
      assert.deepEqual(await s.clients.listSecrets('t-a', 'default', 'app'), []);
    });

    it('lists the redirect URIs and allowed origins of a server\'s clients, and sees a client change at once', async () => {
      await s.servers.upsert({ tenantId: 't-b', id: 'cors', settings: {} as never, customScopes: [] }, NOW);
      await s.clients.upsert(client('t-b', 'spa', { serverId: 'cors', redirectUris: ['https://spa.example.com/cb'], allowedOrigins: [] }), NOW);
      assert.deepEqual(await s.clients.listOriginSources('t-b', 'cors'), [{ redirectUris: ['https://spa.example.com/cb'], allowedOrigins: [] }]);
      assert.deepEqual(await s.clients.listOriginSources('t-b', 'none'), []);
      await s.clients.upsert(client('t-b', 'spa', { serverId: 'cors', redirectUris: [], allowedOrigins: ['https://new.example.com'] }), NOW);
      assert.deepEqual(await s.clients.listOriginSources('t-b', 'cors'), [{ redirectUris: [], allowedOrigins: ['https://new.example.com'] }]);
    });

    it('consumes a code once; 50 concurrent consumes of one code return exactly one row', async () => {
      const c = code();
      await s.codes.save(c);
      assert.deepEqual(await s.codes.find(c.hash), c);
      const first = await s.codes.consume(c.hash, NOW + 1);
      // No grant g1 and no user u1 exist in this tenant: the consume says so.
      assert.deepEqual(first, { ...c, consumedAt: NOW + 1, grantLive: false, userLive: false });
      assert.equal(await s.codes.consume(c.hash, NOW + 2), null);
      await s.codes.markReplayed(c.hash, NOW + 2);
      assert.equal((await s.codes.find(c.hash))?.replayedAt, NOW + 2);
      const raced = code();
      await s.codes.save(raced);
      const results = await Promise.all(Array.from({ length: 50 }, () => s.codes.consume(raced.hash, NOW)));
      assert.equal(results.filter((r) => r !== null).length, 1);
      assert.equal(await s.codes.consume('no-such-code', NOW), null);
    });

    it('keeps the RFC 8707 resources of codes, tokens and parked requests (none: the field is absent)', async () => {
      const resources = ['https://api.example.com/', 'https://mcp.example.com/mcp'];
      const c = code({ resources });
      await s.codes.save(c);
      assert.deepEqual(await s.codes.find(c.hash), c);
      assert.deepEqual((await s.codes.consume(c.hash, NOW + 1))?.resources, resources);
      const t = token({ resources: [resources[1]!] });
      await s.tokens.save(t);
      assert.deepEqual(await s.tokens.find(t.hash), t);
      const rt = token({ kind: 'refresh', familyId: randomId(), resources });
      await s.tokens.save(rt);
      assert.deepEqual((await s.tokens.consume(rt.hash, NOW))?.resources, resources);
      const plain = token();
      await s.tokens.save(plain);
      assert.deepEqual(await s.tokens.find(plain.hash), plain);
      const interaction = {
        id: randomId(), createdAt: NOW, expiresAt: NOW + 600, ip: '192.0.2.9',
        request: {
          tenantId: 't-a', serverId: 'default', clientId: 'app', redirectUri: 'https://app.example.com/cb', redirectUriGiven: true,
          responseType: 'code' as const, scopes: ['openid'], state: null, codeChallenge: 'c', codeChallengeMethod: 'S256' as const,
          nonce: null, prompt: [] as string[], maxAge: null, policy: 'oauth2', resources,
        },
      };
      await s.interactions.save(interaction);
      assert.deepEqual(await s.interactions.find(interaction.id, NOW), interaction);
      await s.interactions.delete(interaction.id);
    });

    it('a consume reports whether the code\'s grant and user are still live (SPEC §7)', async () => {
      const user = { tenantId: 't-a', id: 'live-user', username: 'live-user', passwordHash: 'h', email: null, name: null, disabled: false };
      await s.users.upsert(user, NOW);
      const key = { tenantId: 't-a', serverId: 'default', clientId: 'app', userId: user.id };
      const grantId = await s.grants.remember({ ...key, id: 'g-live', scopes: ['openid'], createdAt: NOW });
      const live = code({ userId: user.id, grantId });
      await s.codes.save(live);
      assert.deepEqual(await s.codes.consume(live.hash, NOW), { ...live, consumedAt: NOW, grantLive: true, userLive: true });
      const afterDisable = code({ userId: user.id, grantId });
      await s.codes.save(afterDisable);
      await s.users.upsert({ ...user, disabled: true }, NOW);
      assert.deepEqual(await s.codes.consume(afterDisable.hash, NOW), { ...afterDisable, consumedAt: NOW, grantLive: true, userLive: false });
      const afterRevoke = code({ userId: user.id, grantId });
      await s.codes.save(afterRevoke);
      assert.equal(await s.grants.revoke('t-a', user.id, grantId, NOW), 1);
      assert.equal((await s.codes.consume(afterRevoke.hash, NOW))?.grantLive, false);
    });

    it('a token issued from a code that was replayed is stored revoked (replay racing the exchange)', async () => {
      const c = code();
      await s.codes.save(c);
      const before = token({ codeHash: c.hash });
      await s.tokens.save(before);
      assert.equal((await s.tokens.find(before.hash))?.revokedAt, null);
      await s.codes.markReplayed(c.hash, NOW + 5);
      const after = token({ codeHash: c.hash });
      await s.tokens.save(after);
      assert.equal((await s.tokens.find(after.hash))?.revokedAt, NOW + 5);
    });

    it('consumes a refresh token once, never a revoked one, under concurrency too', async () => {
      const rt = token({ kind: 'refresh', familyId: 'fam-c', expiresAt: null });
      await s.tokens.save(rt);
      assert.deepEqual(await s.tokens.find(rt.hash), rt);
      assert.deepEqual(await s.tokens.consume(rt.hash, NOW + 1), { ...rt, consumedAt: NOW + 1 });
      assert.equal(await s.tokens.consume(rt.hash, NOW + 2), null);
      const revoked = token({ kind: 'refresh' });
      await s.tokens.save(revoked);
      await s.tokens.revoke(revoked.hash, NOW);
      assert.equal(await s.tokens.consume(revoked.hash, NOW), null);
      assert.equal((await s.tokens.find(revoked.hash))!.revokedAt, NOW);
      const raced = token({ kind: 'refresh' });
      await s.tokens.save(raced);
      const results = await Promise.all(Array.from({ length: 50 }, () => s.tokens.consume(raced.hash, NOW)));
      assert.equal(results.filter((r) => r !== null).length, 1);
    });

    it('revokeByCode and revokeFamily revoke every live token of the code or family once', async () => {
      const codeHash = randomId();
      const byCode = [token({ codeHash }), token({ codeHash, kind: 'refresh' }), token({ codeHash })];
      const other = token({ codeHash: randomId() });
      for (const t of [...byCode, other]) await s.tokens.save(t);
      await s.tokens.revoke(byCode[2]!.hash, NOW - 5);
      assert.equal(await s.tokens.revokeByCode(codeHash, NOW), 2);
      assert.equal(await s.tokens.revokeByCode(codeHash, NOW + 1), 0);
      assert.equal((await s.tokens.find(byCode[0]!.hash))!.revokedAt, NOW);
      assert.equal((await s.tokens.find(byCode[2]!.hash))!.revokedAt, NOW - 5, 'an earlier revocation time is kept');
      assert.equal((await s.tokens.find(other.hash))!.revokedAt, null);
      const familyId = randomId();
      const family = [token({ familyId, kind: 'refresh' }), token({ familyId })];
      const stranger = token({ familyId: randomId() });
      for (const t of [...family, stranger]) await s.tokens.save(t);
      assert.equal(await s.tokens.revokeFamily(familyId, NOW), 2);
      assert.equal(await s.tokens.revokeFamily(familyId, NOW), 0);
      assert.equal((await s.tokens.find(stranger.hash))!.revokedAt, null);
    });

    it('finds sessions and interactions only before they expire', async () => {
      const session = { hash: randomId(), tenantId: 't-a', userId: 'u1', authTime: NOW, expiresAt: NOW + 10 };
      await s.sessions.save(session);
      assert.deepEqual(await s.sessions.find(session.hash, NOW + 9), session);
      assert.equal(await s.sessions.find(session.hash, NOW + 10), null);
      await s.sessions.delete(session.hash);
      assert.equal(await s.sessions.find(session.hash, NOW), null);
      const request = {
        tenantId: 't-a', serverId: 'default', clientId: 'app', redirectUri: 'https://app.example.com/cb', redirectUriGiven: true,
        responseType: 'code' as const, scopes: ['openid'], state: 'st', codeChallenge: 'c', codeChallengeMethod: 'S256' as const,
        nonce: null, prompt: [] as string[], maxAge: null, policy: 'oauth2',
      };
      const interaction = { id: randomId(), request, createdAt: NOW, expiresAt: NOW + 600, ip: '192.0.2.1' };
      await s.interactions.save(interaction);
      assert.deepEqual(await s.interactions.find(interaction.id, NOW + 599), interaction);
      // Stored compactly, every field read back: the other response type, dialect, prompt, max_age, no redirect_uri.
      const other = {
        ...interaction, id: randomId(), ip: '192.0.2.2',
        request: { ...request, redirectUriGiven: false, responseType: 'token' as const, scopes: [], state: null, codeChallenge: null,
          codeChallengeMethod: null, nonce: 'n', prompt: ['login', 'consent'], maxAge: 0, policy: 'stackexchange' },
      };
      await s.interactions.save(other);
      assert.deepEqual(await s.interactions.find(other.id, NOW), other);
      assert.deepEqual(await s.interactions.countPending('192.0.2.1', NOW), { ip: 1, total: 2 });
      assert.deepEqual(await s.interactions.countPending('192.0.2.1', NOW + 600), { ip: 0, total: 0 });
      await s.interactions.delete(other.id);
      assert.equal(await s.interactions.find(interaction.id, NOW + 600), null);
      await s.interactions.delete(interaction.id);
      assert.equal(await s.interactions.find(interaction.id, NOW), null);
    });

    it('publishes signing keys until they expire, newest first', async () => {
      const mk = (createdAt: number, expiresAt: number | null) => ({ ...generateKeyMaterialSync('ES256'), createdAt, retiredAt: null, expiresAt });
      const old = mk(NOW - 100, null);
      const gone = mk(NOW - 200, NOW - 1);
      const current = mk(NOW, null);
      for (const k of [old, gone, current]) await s.keys.insert('t-b', 'default', k);
      assert.deepEqual((await s.keys.listPublished('t-b', 'default', NOW)).map((k) => k.kid), [current.kid, old.kid]);
      assert.deepEqual(await s.keys.listPublished('t-a', 'default', NOW), []);
      await s.keys.retire('t-b', 'default', old.kid, NOW, NOW + 50);
      const listed = await s.keys.listPublished('t-b', 'default', NOW + 49);
      assert.deepEqual(listed.find((k) => k.kid === old.kid), { ...old, retiredAt: NOW, expiresAt: NOW + 50 });
      assert.deepEqual((await s.keys.listPublished('t-b', 'default', NOW + 50)).map((k) => k.kid), [current.kid]);
    });

    it('remembers a grant once and widens its scopes; concurrent consents share one grant', async () => {
      const key = { tenantId: 't-a', serverId: 'default', clientId: 'app', userId: 'grant-user' };
      const id = await s.grants.remember({ ...key, id: 'g-first', scopes: ['openid'], createdAt: NOW });
      assert.equal(id, 'g-first');
      assert.equal(await s.grants.remember({ ...key, id: 'g-second', scopes: ['read_inbox'], createdAt: NOW + 1 }), 'g-first');
      await s.grants.touch(id, NOW + 2);
      assert.deepEqual(await s.grants.find('t-a', 'default', 'app', 'grant-user'), {
        ...key, id: 'g-first', scopes: ['openid', 'read_inbox'], createdAt: NOW, lastUsedAt: NOW + 2,
      });
      assert.equal(await s.grants.find('t-b', 'default', 'app', 'grant-user'), null);
      const raced = { ...key, userId: 'racer' };
      const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => s.grants.remember({ ...raced, id: `g-${i}`, scopes: ['openid'], createdAt: NOW })));
      assert.equal(new Set(ids).size, 1);
    });

    it('saves, updates and clears login attempts', async () => {
      assert.equal(await s.loginAttempts.get('acct:t-a:bob'), null);
      await s.loginAttempts.save({ key: 'acct:t-a:bob', failures: 1, lastFailureAt: NOW, lockedUntil: null });
      await s.loginAttempts.save({ key: 'acct:t-a:bob', failures: 5, lastFailureAt: NOW + 1, lockedUntil: NOW + 31 });
      assert.deepEqual(await s.loginAttempts.get('acct:t-a:bob'), { key: 'acct:t-a:bob', failures: 5, lastFailureAt: NOW + 1, lockedUntil: NOW + 31 });
      await s.loginAttempts.clear('acct:t-a:bob');
      assert.equal(await s.loginAttempts.get('acct:t-a:bob'), null);
    });

    it('counts, takes back and locks login attempts atomically', async () => {
      const counted = await Promise.all(Array.from({ length: 10 }, () => s.loginAttempts.increment('ip:192.0.2.9', NOW, NOW - 3600)));
      assert.deepEqual(counted.map((a) => a.failures).sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      await s.loginAttempts.decrement('ip:192.0.2.9');
      await s.loginAttempts.lock('ip:192.0.2.9', NOW + 60);
      await s.loginAttempts.lock('ip:192.0.2.9', NOW + 30); // a shorter lock does not shorten it
      assert.deepEqual(await s.loginAttempts.get('ip:192.0.2.9'), { key: 'ip:192.0.2.9', failures: 9, lastFailureAt: NOW, lockedUntil: NOW + 60 });
      await s.loginAttempts.clear('ip:192.0.2.9');
    });

    it('rehashes a password only while the stored hash is still the one that was checked', async () => {
      const u = { tenantId: 't-a', id: 'rehash-user', username: 'rehash-user', passwordHash: 'scrypt$16384$old', email: null, name: null, disabled: false };
      await s.users.upsert(u, NOW);
      // Another tenant's user with the same id and hash is not touched.
      await s.users.upsert({ ...u, tenantId: 't-b' }, NOW);
      assert.equal(await s.users.rehashPassword('t-a', u.id, 'scrypt$16384$old', 'scrypt$131072$new', NOW + 1), true);
      assert.equal((await s.users.findById('t-a', u.id))!.passwordHash, 'scrypt$131072$new');
      assert.equal((await s.users.findById('t-b', u.id))!.passwordHash, 'scrypt$16384$old');
      // The password changed since the check: the rehash of the old one does not overwrite it.
      assert.equal(await s.users.rehashPassword('t-a', u.id, 'scrypt$16384$old', 'scrypt$131072$stale', NOW + 2), false);
      assert.equal((await s.users.findById('t-a', u.id))!.passwordHash, 'scrypt$131072$new');
      assert.equal(await s.users.rehashPassword('t-a', 'no-such-user', 'scrypt$16384$old', 'x', NOW), false);
    });

    it('creates a cookie key once; racing creators all get the one stored', async () => {
      const first = await s.cookieKeys.getOrCreate('contract-key', 'secret-1', NOW);
      assert.equal(first, 'secret-1');
      assert.equal(await s.cookieKeys.getOrCreate('contract-key', 'secret-2', NOW + 1), 'secret-1');
      const raced = await Promise.all(Array.from({ length: 10 }, (_, i) => s.cookieKeys.getOrCreate('contract-race', `racer-${i}`, NOW)));
      assert.equal(new Set(raced).size, 1, raced.join());
      assert.match(raced[0]!, /^racer-\d$/);
    });

    it('rolls back a failed transaction', async () => {
      await assert.rejects(s.transaction(async () => {
        await s.tenants.upsert({ id: 't-rollback', name: 'x' }, NOW);
        throw new Error('boom');
      }), /boom/);
      assert.equal(await s.tenants.get('t-rollback'), null);
    });

    it('purges only what has expired or was revoked before the cutoff', async () => {
      const P = NOW + 1_000_000; // past everything the other tests wrote
      const keep = { code: code({ expiresAt: P + 1 }), token: token({ expiresAt: null }), revokedLate: token({ expiresAt: null }) };
      const drop = { code: code({ expiresAt: P - 1 }), token: token({ expiresAt: P - 1 }), revoked: token({ expiresAt: null }) };
      for (const c of [keep.code, drop.code]) await s.codes.save(c);
      await s.codes.consume(drop.code.hash, P - 5);
      for (const t of [keep.token, keep.revokedLate, drop.token, drop.revoked]) await s.tokens.save(t);
      await s.tokens.revoke(keep.revokedLate.hash, P + 1);
      await s.tokens.revoke(drop.revoked.hash, P - 1);
      await s.sessions.save({ hash: 'sess-keep', tenantId: 't-a', userId: 'u', authTime: P, expiresAt: P + 1 });
      await s.sessions.save({ hash: 'sess-drop', tenantId: 't-a', userId: 'u', authTime: P, expiresAt: P - 1 });
      await s.loginAttempts.save({ key: 'old', failures: 1, lastFailureAt: P - 7200, lockedUntil: null });
      await s.loginAttempts.save({ key: 'locked', failures: 9, lastFailureAt: P - 7200, lockedUntil: P + 60 });
      await s.loginAttempts.save({ key: 'recent', failures: 1, lastFailureAt: P - 10, lockedUntil: null });
      const counts = await s.purge.purgeExpired({ expiredBefore: P, loginFailuresBefore: P - 3600, now: P });
      assert.ok(counts.codes >= 1 && counts.tokens >= 2 && counts.sessions >= 1 && counts.loginAttempts >= 1, JSON.stringify(counts));
      assert.equal(await s.codes.find(drop.code.hash), null);
      assert.notEqual(await s.codes.find(keep.code.hash), null);
      for (const t of [drop.token, drop.revoked]) assert.equal(await s.tokens.find(t.hash), null);
      for (const t of [keep.token, keep.revokedLate]) assert.notEqual(await s.tokens.find(t.hash), null);
      assert.notEqual(await s.sessions.find('sess-keep', P), null);
      assert.equal(await s.loginAttempts.get('old'), null);
      assert.notEqual(await s.loginAttempts.get('locked'), null);
      assert.notEqual(await s.loginAttempts.get('recent'), null);
      assert.deepEqual(await s.purge.purgeExpired({ expiredBefore: P, loginFailuresBefore: P - 3600, now: P }),
        { codes: 0, tokens: 0, sessions: 0, interactions: 0, loginAttempts: 0, dynamicClients: 0, pushedRequests: 0, dpopJtis: 0, deviceCodes: 0 });
    });

    it('keeps dynamic clients apart: registration fields round-trip, they are counted, touched, filtered and purged when idle', async () => {
      const dyn = client('t-b', 'dyn-1', {
        public: true, tokenEndpointAuthMethod: 'none', dynamic: true, registrationTokenHash: 'rat-hash', idleExpiresAt: NOW + 100,
        createdAt: NOW, registrationMetadata: { logo_uri: 'https://a.example/l.png', contacts: ['a@b'] },
      });
      await s.clients.upsert(dyn, NOW);
      await s.clients.upsert(client('t-b', 'dyn-2', { dynamic: true, registrationTokenHash: 'h2', idleExpiresAt: NOW + 100, createdAt: NOW, registrationMetadata: {} }), NOW);
      assert.deepEqual(await s.clients.find('t-b', 'default', 'dyn-1'), dyn);
      assert.equal((await s.clients.find('t-b', 'default', 'app'))!.dynamic, undefined, 'other clients carry no registration fields');
      assert.equal(await s.clients.countDynamic('t-b', 'default'), 2);
      assert.equal(await s.clients.countDynamic('t-a', 'default'), 0);
      await s.clients.touchDynamic('t-b', 'default', 'dyn-2', NOW + 10_000);
      await s.clients.touchDynamic('t-b', 'default', 'app', NOW + 10_000);
      assert.equal((await s.clients.find('t-b', 'default', 'dyn-2'))!.idleExpiresAt, NOW + 10_000);
      assert.equal((await s.clients.find('t-b', 'default', 'app'))!.idleExpiresAt, undefined);
      const onlyDynamic = await s.admin.listClients('t-b', 'default', { serverId: '', clientId: '' }, 50, true);
      assert.deepEqual(onlyDynamic.map((c) => c.clientId), ['dyn-1', 'dyn-2']);
      const others = await s.admin.listClients('t-b', 'default', { serverId: '', clientId: '' }, 50, false);
      assert.ok(others.length > 0 && others.every((c) => !c.dynamic));
      assert.equal((await s.admin.listClients('t-b', 'default', { serverId: '', clientId: '' }, 50)).length, onlyDynamic.length + others.length);
      // Idle past its expiry: the purge deletes dyn-1 (and revokes its tokens), keeps dyn-2 and every other client.
      const t = token({ tenantId: 't-b', clientId: 'dyn-1', expiresAt: NOW + 1_000_000 });
      await s.tokens.save(t);
      const counts = await s.purge.purgeExpired({ expiredBefore: 0, loginFailuresBefore: 0, now: NOW + 200 });
      assert.equal(counts.dynamicClients, 1);
      assert.equal(await s.clients.find('t-b', 'default', 'dyn-1'), null);
      assert.notEqual(await s.clients.find('t-b', 'default', 'dyn-2'), null);
      assert.notEqual((await s.tokens.find(t.hash))!.revokedAt, null);
      await s.admin.deleteClient('t-b', 'default', 'dyn-2', NOW);
    });

    it('stores initial access tokens hashed; use counts atomically up to max_uses; expired and revoked ones are not used', async () => {
      const base = { tenantId: 't-a', serverId: 'default', name: 'n', displayPrefix: 'pxia_abcd', createdAt: NOW, uses: 0, revokedAt: null };
      const two = { ...base, id: 'iat-1', hash: 'iat-hash-1', expiresAt: NOW + 100, maxUses: 2 };
      await s.registrationTokens.add(two);
      await s.registrationTokens.add({ ...base, id: 'iat-2', hash: 'iat-hash-2', expiresAt: null, maxUses: 1, createdAt: NOW + 1 });
      assert.deepEqual(await s.registrationTokens.findByHash('iat-hash-1'), two);
      assert.deepEqual((await s.registrationTokens.list('t-a', 'default')).map((t) => t.id), ['iat-2', 'iat-1']);
      assert.deepEqual(await s.registrationTokens.list('t-b', 'default'), []);
      const uses = await Promise.all(Array.from({ length: 5 }, () => s.registrationTokens.use('iat-hash-1', NOW)));
      assert.equal(uses.filter(Boolean).length, 2);
      assert.equal((await s.registrationTokens.findByHash('iat-hash-1'))!.uses, 2);
      assert.equal(await s.registrationTokens.use('iat-hash-2', NOW + 10_000_000) !== null, true, 'no expiry');
      await s.registrationTokens.add({ ...base, id: 'iat-3', hash: 'iat-hash-3', expiresAt: NOW + 10, maxUses: 5 });
      assert.equal(await s.registrationTokens.use('iat-hash-3', NOW + 10), null, 'expired');
      assert.equal(await s.registrationTokens.revoke('t-b', 'default', 'iat-3', NOW), 0, 'another tenant cannot revoke it');
      assert.equal(await s.registrationTokens.revoke('t-a', 'default', 'iat-3', NOW), 1);
      assert.equal(await s.registrationTokens.revoke('t-a', 'default', 'iat-3', NOW), 0);
      assert.equal(await s.registrationTokens.use('iat-hash-3', NOW), null, 'revoked');
      assert.equal(await s.registrationTokens.findByHash('nope'), null);
    });

    adminContract(() => s, NOW, client, token);
    keyContract(() => s, NOW, code, token);
    tenantContract(() => s, () => raw, NOW, client, token);
    pushedRequestContract(() => s, NOW);
    dpopContract(() => s, NOW, client, code, token);
    deviceContract(() => s, NOW);

    it('runs an exclusive job in one runner at a time', async () => {
      let release!: () => void;
      let started!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const running = new Promise<void>((r) => (started = r));
      const first = s.runExclusive('contract-job', () => { started(); return held; });
      await running;
      assert.equal(await s.runExclusive('contract-job', async () => {}), false);
      release();
      assert.equal(await first, true);
      assert.equal(await s.runExclusive('contract-job', async () => {}), true);
    });
  });
}
