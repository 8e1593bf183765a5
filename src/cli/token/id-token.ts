/** OIDC Core §3.1.3.7: the ID token must be for us, from the issuer, and carry our nonce. */
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { FlowError } from './errors.js';

/** `nonce` null: the grant sent none (RFC 8628), so the ID token must carry none either. */
export async function checkIdToken(idToken: string, expect: { nonce: string | null; clientId: string; issuer: string | null; jwksUri: string | null }): Promise<void> {
  let claims: Record<string, unknown>;
  try {
    claims = expect.jwksUri && expect.issuer
      ? (await jwtVerify(idToken, createRemoteJWKSet(new URL(expect.jwksUri)), { issuer: expect.issuer, audience: expect.clientId })).payload
      : decodeJwt(idToken);
  } catch (err) {
    throw new FlowError(`the ID token did not verify: ${(err as Error).message}`);
  }
  if (claims.nonce !== (expect.nonce ?? undefined)) throw new FlowError('the ID token nonce does not match the one sent (replayed or injected ID token)');
}
