import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateOpaqueToken, hasValidChecksum, hashOpaqueToken } from '../../src/crypto/opaque-token.js';

describe('opaque secrets (SPEC §2)', () => {
  it('carry a type prefix and a checksum a scanner can verify offline', () => {
    const t = generateOpaqueToken('pxat');
    assert.match(t, /^pxat_[0-9a-z]{9}[A-Za-z0-9_-]{49}$/);
    assert.equal(hasValidChecksum(t), true);
    assert.equal(hasValidChecksum(t, 'pxat'), true);
    assert.equal(hasValidChecksum(t, 'pxrt'), false);
  });
  it('detects a changed character through the checksum', () => {
    const t = generateOpaqueToken('pxk');
    const i = 10;
    const flipped = t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
    assert.equal(hasValidChecksum(flipped), false);
  });
  it('tokens and codes are stored under a key that grows with their issue time (B-tree appends)', () => {
    const a = generateOpaqueToken('pxc');
    const key = hashOpaqueToken(a);
    assert.match(key, /^[0-9a-z]{9}\.[A-Za-z0-9_-]{43}$/);
    assert.equal(key.slice(0, 9), a.slice(4, 13));
    assert.ok(Math.abs(parseInt(key.slice(0, 9), 36) - Date.now()) < 60_000);
    // The hash covers the time key: a token with a changed time key is another token.
    const moved = `pxc_${'0'.repeat(9)}${a.slice(13)}`;
    assert.notEqual(hashOpaqueToken(moved).slice(10), key.slice(10));
    // Secrets that are looked up by hash alone keep a plain hash.
    assert.match(hashOpaqueToken(generateOpaqueToken('pxk')), /^[A-Za-z0-9_-]{43}$/);
    assert.equal(hasValidChecksum(moved), false);
  });
  it('are unique and hashed for storage', () => {
    const a = generateOpaqueToken('pxs');
    const b = generateOpaqueToken('pxs');
    assert.notEqual(a, b);
    assert.notEqual(hashOpaqueToken(a), a);
    assert.equal(hashOpaqueToken(a), hashOpaqueToken(a));
  });
});
