/**
 * Redirect URI matching (RFC 9700 §4.1.3): exact string match, RFC 8252 §7.3
 * loopback with any port, or an https URI on a registered OAuth domain.
 */
import type { Client } from './types.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

function parse(uri: string): URL | null {
  try {
    return new URL(uri);
  } catch {
    return null;
  }
}

/** An http URI on a loopback IP literal: RFC 8252 §7.3 lets its port vary. */
export function isLoopback(u: URL): boolean {
  return u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname);
}

/** RFC 8252 §7.3: the port of a loopback redirect may vary; everything else must match. */
function loopbackMatches(requested: URL, registered: string): boolean {
  const r = parse(registered);
  if (!r || !isLoopback(r)) return false;
  return requested.hostname === r.hostname && requested.pathname === r.pathname && requested.search === r.search;
}

function domainMatches(u: URL, domain: string): boolean {
  if (u.protocol !== 'https:') return false;
  const host = u.hostname;
  const d = domain.toLowerCase();
  return host === d || host.endsWith(`.${d}`);
}

export function matchRedirectUri(client: Pick<Client, 'redirectUris' | 'oauthDomain'>, requested: string): boolean {
  // Fragments are never allowed (RFC 6749 §3.1.2); credentials in a URI are a phishing trick.
  if (requested.includes('#')) return false;
  const u = parse(requested);
  if (!u || u.username || u.password) return false;
  if (client.redirectUris.includes(requested)) return true;
  if (isLoopback(u) && client.redirectUris.some((r) => loopbackMatches(u, r))) return true;
  return client.oauthDomain !== null && domainMatches(u, client.oauthDomain);
}

/** The Stack Exchange page for non-web apps, allowed for apps with the non-web redirect permission. */
export function loginSuccessUri(publicUrl: string): string {
  return `${publicUrl}/oauth/login_success`;
}

/**
 * Valid as a registered CORS origin: `scheme://host[:port]` exactly as a browser sends it in
 * `Origin` (RFC 6454 serialisation), https unless loopback.
 */
export function checkAllowedOrigin(origin: string): string | null {
  const u = parse(origin);
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) return 'is not a web origin: write it like https://app.example.com';
  if (u.origin !== origin) return `must be the scheme, host and port only (${u.origin}), with no path or trailing slash`;
  if (u.protocol === 'http:' && !LOOPBACK_HOSTS.has(u.host.replace(/:\d+$/, '')) && u.hostname !== 'localhost') {
    return 'must use https (http is allowed only for 127.0.0.1, [::1] and localhost)';
  }
  return null;
}

/**
 * RFC 8252 §7.1: a private-use scheme is a reversed domain name the app's owner controls
 * (`com.example.app:/callback`): at least one dot, so `vbscript:`, `file:` or `myapp:` are not.
 */
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+:$/;

/**
 * Valid as a *registered* redirect URI (and post-logout redirect URI): absolute, no fragment,
 * no credentials; https, http on a loopback host, or a private-use scheme. Any other scheme
 * (`javascript:`, `data:`, `file:`, `vbscript:`, …) is refused.
 */
export function checkRegisteredRedirectUri(uri: string): string | null {
  const u = parse(uri);
  if (!u) return 'is not an absolute URI';
  if (u.hash || uri.includes('#')) return 'must not contain a fragment';
  if (u.username || u.password) return 'must not contain credentials';
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:') {
    return LOOPBACK_HOSTS.has(u.hostname) || u.hostname === 'localhost' ? null : 'must use https (http is allowed for loopback only)';
  }
  if (PRIVATE_USE_SCHEME.test(u.protocol)) return null;
  return `uses a forbidden scheme "${u.protocol.slice(0, 40)}" (https, loopback http, or a reversed-domain scheme such as com.example.app:)`;
}
