import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { challengeFor, checkChallenge, verifyPkce } from '../../src/core/pkce.js';
import { OAuthError } from '../../src/core/errors.js';

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('PKCE (RFC 7636)', () => {
  it('computes the S256 challenge of the Appendix B test vector', () => {
    assert.equal(challengeFor(VERIFIER, 'S256'), CHALLENGE);
  });
  it('accepts the matching verifier', () => {
    assert.doesNotThrow(() => verifyPkce(VERIFIER, CHALLENGE, 'S256'));
  });
  it('rejects a mismatching code_verifier with invalid_grant', () => {
    assert.throws(() => verifyPkce(`${VERIFIER.slice(0, -1)}A`, CHALLENGE, 'S256'), (e: OAuthError) => e.error === 'invalid_grant');
  });
  it('rejects a missing verifier with invalid_grant', () => {
    assert.throws(() => verifyPkce(undefined, CHALLENGE, 'S256'), (e: OAuthError) => e.error === 'invalid_grant' && /required/.test(e.description));
  });
  it('rejects verifiers that are too short or use characters outside the unreserved set', () => {
    assert.throws(() => verifyPkce('short', CHALLENGE, 'S256'), (e: OAuthError) => e.error === 'invalid_grant');
    assert.throws(() => verifyPkce(`${VERIFIER}+/=`, CHALLENGE, 'S256'), (e: OAuthError) => e.error === 'invalid_grant');
  });
  it('refuses plain unless the server allows it, and treats a missing method as plain', () => {
    assert.throws(() => checkChallenge(CHALLENGE, 'plain', false), (e: OAuthError) => e.error === 'invalid_request' && /S256/.test(e.description));
    assert.throws(() => checkChallenge(CHALLENGE, undefined, false), (e: OAuthError) => e.error === 'invalid_request');
    assert.equal(checkChallenge(VERIFIER, 'plain', true), 'plain');
    assert.equal(checkChallenge(CHALLENGE, 'S256', false), 'S256');
  });
  it('rejects challenges of the wrong length or alphabet', () => {
    assert.throws(() => checkChallenge('abc', 'S256', false), (e: OAuthError) => /43-128/.test(e.description));
    assert.throws(() => checkChallenge('a'.repeat(129), 'S256', false), (e: OAuthError) => /43-128/.test(e.description));
    assert.throws(() => checkChallenge(`${'a'.repeat(42)}!`, 'S256', false), (e: OAuthError) => /43-128/.test(e.description));
  });
  it('rejects unknown methods', () => {
    assert.throws(() => checkChallenge(CHALLENGE, 'S512', false), (e: OAuthError) => e.error === 'invalid_request');
  });
});
