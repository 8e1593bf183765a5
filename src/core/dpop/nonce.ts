/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9), stateless so that every process of a cluster
 * agrees without a shared table: a nonce is the MAC of a time slot and the server, under a key
 * made once per installation (the `cookie_keys` table, like the cookie key). The nonce of the
 * current slot and of the one before are accepted, so a nonce lives between one and two slots;
 * then the client is told the new one (`use_dpop_nonce`) and retries.
 */
import { hmacSha256Base64url, safeEqual } from '../../crypto/digest.js';
import { installationKey } from '../cookie-key.js';
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';

/** Seconds a nonce slot lasts. */
export const DPOP_NONCE_SLOT = 300;
const nonceKey = (deps: CoreDeps): Promise<Buffer> => installationKey(deps, 'dpop-nonce');

function nonceOf(key: Buffer, rs: ResolvedServer, slot: number): string {
  // Length-prefixed parts: no tenant/server pair can pass for another.
  const t = rs.server.tenantId;
  const s = rs.server.id;
  return hmacSha256Base64url(key, `dpop|${t.length}:${t}|${s.length}:${s}|${slot}`);
}

/** The nonce to hand out now. */
export async function currentDpopNonce(deps: CoreDeps, rs: ResolvedServer): Promise<string> {
  return nonceOf(await nonceKey(deps), rs, Math.floor(deps.clock.now() / DPOP_NONCE_SLOT));
}

/** True when `nonce` is this server's nonce of the current or the previous slot. */
export async function isValidDpopNonce(deps: CoreDeps, rs: ResolvedServer, nonce: string): Promise<boolean> {
  const key = await nonceKey(deps);
  const slot = Math.floor(deps.clock.now() / DPOP_NONCE_SLOT);
  return safeEqual(nonceOf(key, rs, slot), nonce) || safeEqual(nonceOf(key, rs, slot - 1), nonce);
}
