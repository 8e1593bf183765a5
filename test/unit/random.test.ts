import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateOpaqueToken, hasValidChecksum } from '../../src/crypto/opaque-token.js';
import { randomBase64url, randomId } from '../../src/crypto/random.js';

describe('randomId', () => {
  it('never begins with "-", which a command line would read as an option', () => {
    // A leading "-" has a 1 in 64 chance per id: 5,000 ids meet it about 78 times without the rule.
    for (let i = 0; i < 5000; i++) assert.ok(!randomId().startsWith('-'));
  });
});

describe('pooled randomness', () => {
  it('hands out values of the asked size that never repeat, across many pool refills', () => {
    const seen = new Set<string>();
    // 20 000 × 32 bytes is about 156 refills of the 4 KiB pool, with values straddling no boundary twice.
    for (let i = 0; i < 20_000; i++) {
      const v = randomBase64url(i % 2 ? 32 : 13);
      assert.match(v, /^[A-Za-z0-9_-]+$/);
      assert.equal(Buffer.from(v, 'base64url').length, i % 2 ? 32 : 13);
      assert.ok(!seen.has(v), 'a random value repeated');
      seen.add(v);
    }
  });

  it('keeps the bytes balanced (no zeroed or stuck bytes from the pool)', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 4_000; i++) for (const b of Buffer.from(randomBase64url(16), 'base64url')) counts[b]!++;
    // 64 000 bytes: each value is expected 250 times; a zeroed pool would put thousands on 0.
    assert.ok(Math.max(...counts) < 400, `most frequent byte seen ${Math.max(...counts)} times`);
    assert.ok(Math.min(...counts) > 120, `least frequent byte seen ${Math.min(...counts)} times`);
  });

  it('serves large requests directly and ids and opaque tokens from the pool', () => {
    assert.equal(Buffer.from(randomBase64url(1000), 'base64url').length, 1000);
    assert.equal(Buffer.from(randomId(), 'base64url').length, 16);
    const token = generateOpaqueToken('pxat');
    assert.ok(hasValidChecksum(token, 'pxat'));
    assert.notEqual(generateOpaqueToken('pxat'), token);
  });
});
