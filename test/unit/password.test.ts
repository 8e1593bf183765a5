/** Password hashing: scrypt at N=2^17 by default, parameters recorded in the hash, weaker hashes recognised. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { DEFAULT_PASSWORD_HASH_COST, dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from '../../src/crypto/password.js';

describe('password hashing', () => {
  it('hashes at OWASP\'s scrypt parameters by default (N=2^17, r=8, p=1) and records them in the hash', async () => {
    assert.equal(DEFAULT_PASSWORD_HASH_COST, 17);
    const hash = await hashPassword('correct horse');
    const [scheme, n, r, p, salt, key] = hash.split('$');
    assert.deepEqual([scheme, n, r, p], ['scrypt', String(2 ** 17), '8', '1']);
    assert.equal(Buffer.from(salt!, 'base64url').length, 16);
    assert.equal(Buffer.from(key!, 'base64url').length, 32);
    assert.equal(await verifyPassword('correct horse', hash), true);
    assert.equal(await verifyPassword('correct horsf', hash), false);
  });

  it('hashes at a configured cost and still verifies hashes made at another one', async () => {
    const low = await hashPassword('pw', 14);
    assert.match(low, /^scrypt\$16384\$8\$1\$/);
    const mid = await hashPassword('pw', 15);
    assert.match(mid, /^scrypt\$32768\$8\$1\$/);
    assert.equal(await verifyPassword('pw', low), true);
    assert.equal(await verifyPassword('pw', mid), true);
    assert.notEqual(await hashPassword('pw', 14), low, 'a new salt every time');
  });

  it('asks for a rehash when the stored hash is weaker than the configured cost, not when it is stronger', async () => {
    const low = await hashPassword('pw', 14);
    assert.equal(needsRehash(low, 17), true);
    assert.equal(needsRehash(low, 14), false);
    assert.equal(needsRehash(low.replace('$16384$8$', '$16384$4$'), 14), true, 'r below 8');
    assert.equal(needsRehash(dummyPasswordHash(17), 17), false);
    assert.equal(needsRehash(dummyPasswordHash(17), 14), false);
    assert.equal(needsRehash('bcrypt$whatever', 14), true);
  });

  it('refuses stored hashes that are malformed or ask for absurd work, without running scrypt on them', async () => {
    const good = await hashPassword('pw', 14);
    const [, , , , salt, key] = good.split('$');
    for (const bad of [
      `scrypt$${2 ** 30}$8$1$${salt}$${key}`, // 128 GiB
      `scrypt$10000$8$1$${salt}$${key}`, // not a power of two
      `scrypt$16384$64$1$${salt}$${key}`,
      `scrypt$16384$8$0$${salt}$${key}`,
      `scrypt$16384$8$1$${salt}`,
      'plain text',
      '',
    ]) assert.equal(await verifyPassword('pw', bad), false, bad);
  });

  it('the dummy hash for unknown users costs what a real one does', () => {
    assert.match(dummyPasswordHash(17), /^scrypt\$131072\$8\$1\$/);
    assert.match(dummyPasswordHash(14), /^scrypt\$16384\$8\$1\$/);
  });

  it('reads the cost from PIXIE_PASSWORD_HASH_COST (log2 N, 14 to 20), default 17', () => {
    assert.equal(loadConfig({}, {}).passwordHashCost, 17);
    assert.equal(loadConfig({}, { PIXIE_PASSWORD_HASH_COST: '14' }).passwordHashCost, 14);
    assert.equal(loadConfig({}, { PIXIE_PASSWORD_HASH_COST: '20' }).passwordHashCost, 20);
    for (const bad of ['13', '21', '17.5', 'high']) {
      assert.throws(() => loadConfig({}, { PIXIE_PASSWORD_HASH_COST: bad }), /PIXIE_PASSWORD_HASH_COST .* must be a whole number from 14 to 20/, bad);
    }
  });
});
