/**
 * Challenge-code binding (SPEC §4.6) in the verifier, against a tiny stand-in issuer that
 * signs `cnf: { "pkce#S256": … }` JWTs and answers introspection with `code_challenge`.
 * (test/verify/verifier.test.ts runs the same checks against Pixie once the grant exists.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { createVerifier, VerifyError } from '../../packages/verify/src/index.js';
import { startStandInIssuer, type StandInIssuer } from '../helpers/stand-in-issuer.js';
import { pkce } from '../helpers/user-agent.js';

let issuer = '';
let privateKey: CryptoKey;
const bound = pkce();
const OPAQUE = 'opaque-bound-token';

let stand: StandInIssuer;
before(async () => {
  stand = await startStandInIssuer((token) => (token === OPAQUE
    ? { active: true, client_id: 'c', sub: 'c', scope: 'read_inbox', exp: Math.floor(Date.now() / 1000) + 60, code_challenge: bound.challenge, code_challenge_method: 'S256' }
    : { active: false }));
  issuer = stand.issuer;
  privateKey = stand.privateKey;
});
after(() => stand.close());

async function jwt(claims: Record<string, unknown>, typ = 'at+jwt'): Promise<string> {
  return new SignJWT({ client_id: 'c', scope: 'read_inbox', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ }).setIssuer(issuer).setSubject('c').setIssuedAt().setExpirationTime('60s')
    .sign(privateKey);
}

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof VerifyError, String(err));
    return err.reason;
  }
  return 'accepted';
}

describe('challenge-code binding', () => {
  it('a JWT with cnf pkce#S256 needs the PKCE-Verifier that hashes to it', async () => {
    const v = createVerifier({ issuer });
    const token = await jwt({ cnf: { 'pkce#S256': bound.challenge } });
    assert.equal(await reason(v.verify(token)), 'binding_required');
    assert.equal(await reason(v.verify(token, { pkceVerifier: pkce().verifier })), 'binding_mismatch');
    assert.equal(await reason(v.verify(token, { pkceVerifier: 'short' })), 'binding_mismatch');
    const who = await v.verify(token, { pkceVerifier: bound.verifier });
    assert.deepEqual(who.boundChallenge, { challenge: bound.challenge, method: 'S256' });
  });

  it('an introspected token with code_challenge needs the matching verifier too', async () => {
    const v = createVerifier({ issuer, introspection: { clientId: 'rs', clientSecret: 'secret' } });
    assert.equal(await reason(v.verify(OPAQUE)), 'binding_required');
    assert.equal(await reason(v.verify(OPAQUE, { pkceVerifier: pkce().verifier })), 'binding_mismatch');
    assert.equal((await v.verify(OPAQUE, { pkceVerifier: bound.verifier })).boundChallenge?.challenge, bound.challenge);
  });

  it('an unbound token ignores a PKCE-Verifier header', async () => {
    const v = createVerifier({ issuer });
    assert.equal((await v.verify(await jwt({}), { pkceVerifier: bound.verifier })).boundChallenge, null);
  });

  it('an ID token (typ JWT) is not accepted as an access token', async () => {
    assert.equal(await reason(createVerifier({ issuer }).verify(await jwt({}, 'JWT'))), 'malformed');
  });
});
