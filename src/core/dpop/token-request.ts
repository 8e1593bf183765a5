/** DPoP at the token endpoint (RFC 9449 §5): which requests need a proof, and which key binds the tokens. */
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import { InvalidDpopProof, InvalidRequest } from '../errors.js';
import type { Client } from '../types.js';
import { currentDpopNonce } from './nonce.js';
import { checkDpopProof, type CheckedDpopProof, type DpopRequest } from './proof.js';

/**
 * The checked proof of a token request, or null for a bearer request. Per the server's `dpop`:
 *
 * - `off`: the header is ignored and bearer tokens are issued, as by a server without DPoP
 *   (RFC 9449 §5: the client learns it from `token_type`; node-oidc-provider does the same with
 *   its DPoP feature off). Refusing the header instead would break clients that send proofs
 *   wherever discovery does not forbid it. A client registered to require bound tokens cannot be
 *   served, and is told so.
 * - `allow`: a proof binds the tokens; without one they are bearer tokens, unless the client
 *   registered `dpop_bound_access_tokens` (§5.2).
 * - `require`: every request needs a proof carrying the server's nonce (§8), so that proofs
 *   cannot be made in advance (§11.2).
 */
export async function tokenRequestProof(
  deps: CoreDeps, rs: ResolvedServer, client: Client, req: DpopRequest | undefined,
): Promise<CheckedDpopProof | null> {
  const mode = rs.server.settings.dpop;
  if (mode === 'off') {
    if (client.dpopBoundAccessTokens) {
      throw new InvalidRequest(`client "${client.clientId}" requires DPoP-bound access tokens (dpop_bound_access_tokens), but DPoP is off on this server`);
    }
    return null;
  }
  const proof = req ? await checkDpopProof(deps, rs, req, { nonceRequired: mode === 'require', status: 400 }) : null;
  if (proof) return proof;
  if (mode === 'require') throw new InvalidDpopProof('this server requires a DPoP proof (a DPoP header, RFC 9449) with every token request');
  if (client.dpopBoundAccessTokens) {
    throw new InvalidDpopProof(`client "${client.clientId}" must send a DPoP proof (a DPoP header) with every token request (dpop_bound_access_tokens)`);
  }
  return null;
}

/** RFC 9449 §8.2: the nonce to send with a success, where nonces are required (null: none). */
export async function nextDpopNonce(deps: CoreDeps, rs: ResolvedServer): Promise<string | null> {
  return rs.server.settings.dpop === 'require' ? currentDpopNonce(deps, rs) : null;
}
