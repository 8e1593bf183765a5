/**
 * Storage contract, pushed authorization requests (RFC 9126), run by contract.test.ts inside
 * each backend's suite: single use across racing callers, per client, per server, expiry, purge.
 * Expects tenants t-a and t-b with server `default`.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Stores } from '../../src/core/ports.js';
import type { PushedAuthorizationRequest } from '../../src/core/types.js';
import { randomId } from '../../src/crypto/random.js';

export function pushedRequestContract(s: () => Stores, NOW: number): void {
  const pushed = (over: Partial<PushedAuthorizationRequest> = {}): PushedAuthorizationRequest => ({
    hash: randomId(), tenantId: 't-a', serverId: 'default', clientId: 'app',
    params: { client_id: 'app', response_type: 'code', scope: 'openid read_inbox', state: 'é ✓', code_challenge: 'abc' },
    resources: ['https://api.example.com/', 'https://other.example.com/'], expiresAt: NOW + 60, createdAt: NOW, ...over,
  });

  it('keeps a pushed request with its parameters and gives it, once, to the first of racing takers', async () => {
    const r = pushed();
    await s().pushedRequests.save(r);
    const takes = await Promise.all(Array.from({ length: 8 }, () => s().pushedRequests.take('t-a', 'default', 'app', r.hash, NOW)));
    const won = takes.filter((t) => t !== null);
    assert.equal(won.length, 1, 'exactly one caller gets it');
    assert.deepEqual(won[0], r);
    assert.equal(await s().pushedRequests.take('t-a', 'default', 'app', r.hash, NOW), null, 'gone once taken');
  });

  it('gives a pushed request only to its own client, server and tenant, before it expires', async () => {
    const r = pushed({ resources: [] });
    await s().pushedRequests.save(r);
    assert.equal(await s().pushedRequests.take('t-a', 'default', 'other-app', r.hash, NOW), null, 'another client');
    assert.equal(await s().pushedRequests.take('t-b', 'default', 'app', r.hash, NOW), null, 'another tenant');
    assert.equal(await s().pushedRequests.take('t-a', 'admin', 'app', r.hash, NOW), null, 'another server');
    assert.equal(await s().pushedRequests.take('t-a', 'default', 'app', r.hash, NOW + 60), null, 'expired at expiresAt');
    assert.deepEqual(await s().pushedRequests.take('t-a', 'default', 'app', r.hash, NOW + 59), r, 'the failed takes left it in place');
    await assert.rejects(s().pushedRequests.save(pushed({ tenantId: 't-nope' })), 'a request of a server that does not exist');
  });

  it('counts live requests per IP and in all (expired ones not)', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}-${randomId()}`;
    const before = await s().pushedRequests.countLive(ip, NOW);
    assert.equal(before.ip, 0);
    await s().pushedRequests.save(pushed({ ip }));
    await s().pushedRequests.save(pushed({ ip }));
    await s().pushedRequests.save(pushed({ ip, expiresAt: NOW }));
    await s().pushedRequests.save(pushed({ ip: `${ip}-other` }));
    const after = await s().pushedRequests.countLive(ip, NOW);
    assert.equal(after.ip, 2);
    assert.equal(after.total - before.total, 3);
  });

  it('keeps a client\'s require_pushed_authorization_requests', async () => {
    const base = (await s().clients.find('t-a', 'default', 'app'))!;
    const strict = { ...base, clientId: 'par-only', requirePushedAuthorizationRequests: true };
    await s().clients.upsert(strict, NOW);
    assert.deepEqual(await s().clients.find('t-a', 'default', 'par-only'), strict);
    const { requirePushedAuthorizationRequests: _, ...relaxed } = strict;
    await s().clients.upsert(relaxed, NOW);
    assert.equal((await s().clients.find('t-a', 'default', 'par-only'))!.requirePushedAuthorizationRequests, false, 'absent reads back false');
    await s().admin.deleteClient('t-a', 'default', 'par-only', NOW);
  });

  it('purges pushed requests once expired, and only those', async () => {
    const gone = pushed({ expiresAt: NOW + 10 });
    const kept = pushed({ expiresAt: NOW + 100 });
    await s().pushedRequests.save(gone);
    await s().pushedRequests.save(kept);
    const counts = await s().purge.purgeExpired({ expiredBefore: 0, loginFailuresBefore: 0, now: NOW + 10 });
    assert.ok(counts.pushedRequests >= 1, JSON.stringify(counts));
    assert.equal(await s().pushedRequests.take('t-a', 'default', 'app', gone.hash, NOW), null);
    assert.notEqual(await s().pushedRequests.take('t-a', 'default', 'app', kept.hash, NOW), null);
  });
}
