/** Assertions for @pixie-auth/verify tests. */
import assert from 'node:assert/strict';
import { VerifyError } from '../../packages/verify/src/index.js';

/** The VerifyError a verification fails with (the test fails if it succeeds or fails otherwise). */
export async function rejection(p: Promise<unknown>): Promise<VerifyError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof VerifyError, `expected a VerifyError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the verification to fail');
}
