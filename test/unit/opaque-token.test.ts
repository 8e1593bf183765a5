import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateOpaqueToken, hasValidChecksum, hashOpaqueToken } from '../../src/crypto/opaque-token.js';

describe('opaque secrets (SPEC §2)', () => {
  it('carry a type prefix and a checksum a scanner can verify offline', () => {
    const t = generateOpaqueToken('pxat');
    assert.match(t, /^pxat_[A-Za-z0-9_-]{49}$/);
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
  it('are unique and hashed for storage', () => {
    const a = generateOpaqueToken('pxs');
    const b = generateOpaqueToken('pxs');
    assert.notEqual(a, b);
    assert.notEqual(hashOpaqueToken(a), a);
    assert.equal(hashOpaqueToken(a), hashOpaqueToken(a));
  });
});
