/**
 * The key Pixie signs browser cookies with (CSRF tokens, device cookies): 32 random bytes in
 * the `cookie_keys` table, made the first time one is needed and then read once per process.
 * Other MAC keys of the installation (DPoP nonces) live in the same table under their own id.
 */
import { hmacSha256Base64url, safeEqual } from '../crypto/digest.js';
import { randomBase64url } from '../crypto/random.js';
import type { CoreDeps } from './deps.js';
import type { Stores } from './ports.js';

const loaded = new WeakMap<Stores, Map<string, Promise<Buffer>>>();

/** The installation's key `id` of the `cookie_keys` table, made on first need, read once per process. */
export function installationKey(deps: CoreDeps, id: string): Promise<Buffer> {
  let keys = loaded.get(deps.stores);
  if (!keys) loaded.set(deps.stores, keys = new Map<string, Promise<Buffer>>());
  let key = keys.get(id);
  if (!key) {
    key = deps.stores.cookieKeys.getOrCreate(id, randomBase64url(32), deps.clock.now()).then((s) => Buffer.from(s, 'base64url'));
    // A failed read (storage down) is tried again by the next request, not cached.
    key.catch(() => keys.delete(id));
    keys.set(id, key);
  }
  return key;
}

export function cookieKey(deps: CoreDeps): Promise<Buffer> {
  return installationKey(deps, 'cookie');
}

/**
 * A MAC over `parts` (joined with a separator no part contains: each is length-prefixed), under
 * the cookie key. `purpose` keeps MACs made for one use from passing for another.
 */
export async function cookieMac(deps: CoreDeps, purpose: string, parts: string[]): Promise<string> {
  return hmacSha256Base64url(await cookieKey(deps), [purpose, ...parts].map((p) => `${p.length}:${p}`).join('|'));
}

export async function checkCookieMac(deps: CoreDeps, purpose: string, parts: string[], mac: string): Promise<boolean> {
  return safeEqual(await cookieMac(deps, purpose, parts), mac);
}
