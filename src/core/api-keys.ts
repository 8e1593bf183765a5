/**
 * API keys: they identify an application and read public data only; they
 * carry no user. Live means not revoked, not expired, and the app still exists (deleting an
 * app deletes its keys).
 */
import { hasValidChecksum, hashOpaqueToken } from '../crypto/opaque-token.js';
import type { CoreDeps } from './deps.js';
import type { ResolvedServer } from './directory.js';
import type { ApiKey } from './types.js';

const TOUCH_INTERVAL = 60;

/**
 * Whether a presented value may be an API key: a `pxk_` key with a valid checksum, or a key of
 * another shape brought in by an import file. Other Pixie prefixes never are.
 */
export function mayBeApiKey(value: string): boolean {
  if (value.startsWith('pxk_')) return hasValidChecksum(value, 'pxk');
  return !/^px[a-z]{1,3}_/.test(value) && value.length <= 512;
}

/** The key's record when it is live and belongs to this server; records its last use. */
export async function findActiveApiKey(deps: CoreDeps, rs: ResolvedServer, value: string): Promise<ApiKey | null> {
  // The checksum rejects typos and random probes without a database read.
  if (!mayBeApiKey(value)) return null;
  const key = await deps.stores.apiKeys.findByHash(hashOpaqueToken(value));
  if (!key || key.tenantId !== rs.server.tenantId || key.serverId !== rs.server.id) return null;
  const now = deps.clock.now();
  if (key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= now)) return null;
  if (key.lastUsedAt === null || now - key.lastUsedAt > TOUCH_INTERVAL) await deps.stores.apiKeys.touch(key.id, now);
  return key;
}
