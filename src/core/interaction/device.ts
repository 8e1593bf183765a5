/**
 * Device cookies (OWASP's credential-stuffing guidance): after a successful sign-in the browser
 * gets `{device}.{mac}`, where the MAC (cookie key) binds the random device id to the tenant
 * and the account. A later sign-in to that account from that browser counts its failures
 * against the device, not the account: an account locked by guesses from elsewhere stays open
 * to its owner's browser, and a guesser without the cookie cannot make one.
 */
import { randomBase64url } from '../../crypto/random.js';
import { checkCookieMac, cookieMac } from '../cookie-key.js';
import type { CoreDeps } from '../deps.js';

const PURPOSE = 'device';
/** How long a browser stays known after its last successful sign-in (seconds). */
export const DEVICE_TTL = 180 * 24 * 3600;

const account = (tenantId: string, username: string) => [tenantId, username.toLowerCase()];

export async function issueDeviceCookie(deps: CoreDeps, tenantId: string, username: string): Promise<string> {
  const device = randomBase64url(16);
  return `${device}.${await cookieMac(deps, PURPOSE, [...account(tenantId, username), device])}`;
}

/** The device id when the cookie was issued by this server for this account, else null. */
export async function knownDevice(deps: CoreDeps, tenantId: string, username: string, cookie: string | undefined): Promise<string | null> {
  const m = cookie ? /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(cookie) : null;
  if (!m) return null;
  return (await checkCookieMac(deps, PURPOSE, [...account(tenantId, username), m[1]], m[2])) ? m[1] : null;
}
