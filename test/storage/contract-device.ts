/**
 * Storage contract, RFC 8628 device codes (run by contract.test.ts inside each backend's suite):
 * unique user codes, polling as compare-and-set, one decision, one redemption, expiry, purge.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Stores } from '../../src/core/ports.js';
import type { DeviceCode } from '../../src/core/types.js';
import { randomId } from '../../src/crypto/random.js';

export function deviceContract(s: () => Stores, NOW: number): void {
  const code = (over: Partial<DeviceCode> = {}): DeviceCode => ({
    hash: randomId(), userCodeHash: randomId(), tenantId: 't-a', serverId: 'default', clientId: 'app', scope: 'openid read_inbox',
    status: 'pending', userId: null, grantId: null, authTime: null, interval: 5, lastPolledAt: null, expiresAt: NOW + 600, createdAt: NOW, ...over,
  });

  it('device codes: saved once per user code, read back whole, found pending by user code until they expire', async () => {
    const c = code({ resources: ['https://api.example.com/'] });
    assert.equal(await s().deviceCodes.save(c), true);
    assert.equal(await s().deviceCodes.save(code({ userCodeHash: c.userCodeHash })), false, 'a user code is unique');
    assert.deepEqual(await s().deviceCodes.find(c.hash), c);
    assert.deepEqual(await s().deviceCodes.findPending(c.userCodeHash, NOW), c);
    assert.equal(await s().deviceCodes.findPending(c.userCodeHash, NOW + 600), null, 'expired');
    assert.equal(await s().deviceCodes.findPending('no-such-user-code', NOW), null);
    assert.equal(await s().deviceCodes.find('no-such-hash'), null);
    const plain = code();
    await s().deviceCodes.save(plain);
    assert.equal((await s().deviceCodes.find(plain.hash))!.resources, undefined, 'no resources read back absent');
  });

  it('device codes: a poll is a compare-and-set on the last poll time, and stores the interval', async () => {
    const c = code();
    await s().deviceCodes.save(c);
    assert.equal(await s().deviceCodes.poll(c.hash, null, NOW, 5), true);
    assert.equal(await s().deviceCodes.poll(c.hash, null, NOW, 5), false, 'a second poll from the same read loses');
    assert.equal(await s().deviceCodes.poll(c.hash, NOW, NOW + 1, 10), true);
    const back = (await s().deviceCodes.find(c.hash))!;
    assert.equal(back.lastPolledAt, NOW + 1);
    assert.equal(back.interval, 10);
    const parallel = await Promise.all(Array.from({ length: 5 }, () => s().deviceCodes.poll(c.hash, NOW + 1, NOW + 20, 10)));
    assert.equal(parallel.filter(Boolean).length, 1);
  });

  it('device codes: decided once while pending and live; an approved code is redeemed exactly once', async () => {
    const approval = { userId: 't-a-bob', grantId: 'g-1', authTime: NOW - 5 };
    const c = code();
    await s().deviceCodes.save(c);
    assert.equal(await s().deviceCodes.redeem(c.hash, NOW), null, 'a pending code cannot be redeemed');
    assert.equal(await s().deviceCodes.decide(c.hash, NOW, approval), true);
    assert.equal(await s().deviceCodes.decide(c.hash, NOW, null), false, 'decided already');
    assert.equal(await s().deviceCodes.findPending(c.userCodeHash, NOW), null, 'no longer pending');
    const redeemed = await Promise.all(Array.from({ length: 5 }, () => s().deviceCodes.redeem(c.hash, NOW + 1)));
    const winners = redeemed.filter((r) => r !== null);
    assert.equal(winners.length, 1);
    assert.deepEqual(winners[0], { ...c, status: 'redeemed', ...approval });
    assert.equal((await s().deviceCodes.find(c.hash))!.status, 'redeemed');

    const denied = code();
    await s().deviceCodes.save(denied);
    assert.equal(await s().deviceCodes.decide(denied.hash, NOW, null), true);
    assert.equal((await s().deviceCodes.find(denied.hash))!.status, 'denied');
    assert.equal(await s().deviceCodes.redeem(denied.hash, NOW), null);

    const late = code({ expiresAt: NOW + 10 });
    await s().deviceCodes.save(late);
    assert.equal(await s().deviceCodes.decide(late.hash, NOW + 10, approval), false, 'expired before the decision');
    const expiring = code({ expiresAt: NOW + 10 });
    await s().deviceCodes.save(expiring);
    assert.equal(await s().deviceCodes.decide(expiring.hash, NOW, approval), true);
    assert.equal(await s().deviceCodes.redeem(expiring.hash, NOW + 10), null, 'expired before the redemption');
  });

  it('device codes: counted while live, per IP and in all', async () => {
    const at = NOW + 100_000; // after every code of the tests above expired
    await s().deviceCodes.save(code({ ip: '198.51.100.9', expiresAt: at + 600 }));
    await s().deviceCodes.save(code({ ip: '198.51.100.9', expiresAt: at + 10 }));
    await s().deviceCodes.save(code({ ip: '198.51.100.10', expiresAt: at + 600 }));
    assert.deepEqual(await s().deviceCodes.countLive('198.51.100.9', at), { ip: 2, total: 3 });
    assert.deepEqual(await s().deviceCodes.countLive('198.51.100.9', at + 10), { ip: 1, total: 2 });
    assert.deepEqual(await s().deviceCodes.countLive('203.0.113.1', at), { ip: 0, total: 3 });
    const withIp = code({ ip: '198.51.100.11' });
    await s().deviceCodes.save(withIp);
    assert.equal((await s().deviceCodes.find(withIp.hash))!.ip, '198.51.100.11');
  });

  it('device codes: the purge deletes those expired before the cutoff', async () => {
    const old = code({ expiresAt: NOW - 7200 });
    const live = code();
    await s().deviceCodes.save(old);
    await s().deviceCodes.save(live);
    const counts = await s().purge.purgeExpired({ expiredBefore: NOW - 3600, loginFailuresBefore: 0, now: NOW });
    assert.ok(counts.deviceCodes >= 1);
    assert.equal(await s().deviceCodes.find(old.hash), null);
    assert.ok(await s().deviceCodes.find(live.hash));
  });

  it('a parked sign-in keeps the device code it approves', async () => {
    const id = randomId();
    await s().interactions.save({
      id, createdAt: NOW, expiresAt: NOW + 600,
      request: {
        tenantId: 't-a', serverId: 'default', clientId: 'app', redirectUri: '', redirectUriGiven: false, responseType: 'code', scopes: ['openid'],
        state: null, codeChallenge: null, codeChallengeMethod: null, nonce: null, prompt: ['consent'], maxAge: null, policy: 'oauth2', deviceCode: 'dc-hash',
      },
    });
    assert.equal((await s().interactions.find(id, NOW))!.request.deviceCode, 'dc-hash');
  });
}
