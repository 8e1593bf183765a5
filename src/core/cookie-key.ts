/**
 * The key Pixie signs browser cookies with (CSRF tokens, device cookies): 32 random bytes in
 * the `cookie_keys` table, made the first time one is needed and then read once per process.
 */
import { hmacSha256Base64url, safeEqual } from '../crypto/digest.js';
import { randomBase64url } from '../crypto/random.js';
import type { CoreDeps } from './deps.js';
import type { Stores } from './ports.js';

const KEY_ID = 'cookie';
const loaded = new WeakMap<Stores, Promise<Buffer>>();

export function cookieKey(deps: CoreDeps): Promise<Buffer> {
  let key = loaded.get(deps.stores);
  if (!key) {
    key = deps.stores.cookieKeys.getOrCreate(KEY_ID, randomBase64url(32), deps.clock.now()).then((s) => Buffer.from(s, 'base64url'));
    // A failed read (storage down) is tried again by the next request, not cached.
    key.catch(() => loaded.delete(deps.stores));
    loaded.set(deps.stores, key);
  }
  return key;
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
