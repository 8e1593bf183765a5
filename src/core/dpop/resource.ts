/**
 * DPoP at a protected resource Pixie serves itself (userinfo): RFC 9449 §7. A bound token is
 * accepted only with the `DPoP` scheme and a proof of its key over this request and this token
 * (`ath`); a bound token presented as `Bearer` is refused, so a stolen token is of no use
 * without the private key (§11.8).
 */
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import { InvalidDpopProof, InvalidToken, OAuthError } from '../errors.js';
import type { TokenRecord } from '../types.js';
import { checkDpopProof, type DpopRequest } from './proof.js';

/** How the access token came: its scheme (RFC 6750 `Bearer` or RFC 9449 `DPoP`) and the request's proofs. */
export interface PresentedToken {
  token: string | undefined;
  scheme: 'Bearer' | 'DPoP';
  dpop: DpopRequest;
}

/** Throws unless the token was presented as its binding requires. */
export async function checkPresentation(deps: CoreDeps, rs: ResolvedServer, rec: TokenRecord, presented: PresentedToken & { token: string }): Promise<void> {
  if (rec.dpopJkt === undefined) {
    if (presented.scheme === 'DPoP') throw new InvalidToken('the access token is not bound to a DPoP key: present it with the Bearer scheme');
    return;
  }
  if (presented.scheme !== 'DPoP') throw new InvalidToken('the access token is bound to a DPoP key: present it with the DPoP scheme and a DPoP proof');
  const proof = await checkDpopProof(deps, rs, presented.dpop, {
    accessToken: presented.token, nonceRequired: rs.server.settings.dpop === 'require', status: 401,
  });
  if (!proof) throw new InvalidDpopProof('a DPoP-bound access token needs a DPoP proof (a DPoP header)', 401);
  if (proof.jkt !== rec.dpopJkt) throw new InvalidToken('the DPoP proof is made with another key than the one the access token is bound to');
}

/**
 * RFC 9449 §7.1: errors about a request that used DPoP, or about a bound token, carry a `DPoP`
 * challenge (with the algs) rather than a `Bearer` one.
 */
export async function withDpopChallenge<T>(presented: PresentedToken, bound: () => boolean, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof OAuthError && (presented.scheme === 'DPoP' || bound())) err.challenge = 'DPoP';
    throw err;
  }
}
