/**
 * Which browser origins may read a client's answers cross-origin (CORS, Fetch standard): the
 * origins of its registered redirect URIs plus its `allowed_origins`. Pure: the HTTP layer asks.
 *
 * A loopback redirect URI (`http://127.0.0.1/…`, `http://[::1]/…`) matches any port (RFC 8252
 * §7.3), so its origin does too: `http://127.0.0.1:*`. Whoever can listen on a loopback port can
 * receive that client's authorization codes already; letting the same origin read the token
 * answer adds nothing. `allowed_origins` entries are exact, port included.
 *
 * Pure except `serverAllowsOrigin` and the two functions after it, which read the client store.
 */
import type { CoreDeps } from './deps.js';
import type { ClientOriginSource, ClientStore } from './ports.js';
import { isLoopback } from './redirect-uri.js';
import type { Client } from './types.js';

/** Marks an origin that matches any port of its host. */
const ANY_PORT = ':*';

function parse(uri: string): URL | null {
  try {
    return new URL(uri);
  } catch {
    return null;
  }
}

/**
 * The origins a client allows, as `scheme://host[:port]` or `http://loopback-host:*`. Redirect
 * URIs that are not http(s) (native app schemes) have no web origin and add none. An OAuth domain
 * adds none either: it stands for any host under it, and a CORS allow-list should be explicit
 * (list those origins in `allowed_origins`).
 */
export function originsOf(client: Pick<Client, 'redirectUris' | 'allowedOrigins'>): string[] {
  const out = new Set<string>();
  for (const uri of client.redirectUris) {
    const u = parse(uri);
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) continue;
    out.add(isLoopback(u) ? `${u.protocol}//${u.hostname}${ANY_PORT}` : u.origin);
  }
  for (const o of client.allowedOrigins) out.add(o);
  return [...out];
}

/** `http://127.0.0.1:5173` → `http://127.0.0.1:*` (the key an any-port entry is stored under). */
function anyPortKey(origin: string): string | null {
  const u = parse(origin);
  if (!u || u.origin !== origin || !isLoopback(u)) return null;
  return `${u.protocol}//${u.hostname}${ANY_PORT}`;
}

/**
 * A set of allowed origins answering `has(origin)` in constant time, whatever its size.
 * `origin` is the request's `Origin` header, compared as the browser serialised it
 * (RFC 6454 §6.2); `null` (opaque origins: sandboxed frames, file: pages) never matches.
 */
export class OriginSet {
  private readonly entries = new Set<string>();

  constructor(origins: Iterable<string> = []) {
    for (const o of origins) this.entries.add(o);
  }

  add(origins: Iterable<string>): void {
    for (const o of origins) this.entries.add(o);
  }

  get size(): number {
    return this.entries.size;
  }

  has(origin: string): boolean {
    if (origin === 'null' || origin.endsWith(ANY_PORT)) return false;
    if (this.entries.has(origin)) return true;
    const key = anyPortKey(origin);
    return key !== null && this.entries.has(key);
  }
}

/** May `origin` read this client's answers? */
export function clientAllowsOrigin(client: Pick<Client, 'redirectUris' | 'allowedOrigins'>, origin: string): boolean {
  return new OriginSet(originsOf(client)).has(origin);
}

/**
 * The client id a token or revocation request names: the Basic user name (RFC 6749 §2.3.1:
 * form-urlencoded before base64) or `client_id` in the body. Null when there is none or it is
 * malformed; client authentication itself happens elsewhere and reports those errors.
 */
export function requestClientId(params: Record<string, unknown>, authorization: string | undefined): string | null {
  if (authorization && /^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return null;
    try {
      return decodeURIComponent(decoded.slice(0, i).replace(/\+/g, ' '));
    } catch {
      return null;
    }
  }
  return typeof params.client_id === 'string' && params.client_id !== '' ? params.client_id : null;
}

const serverSets = new WeakMap<readonly ClientOriginSource[], OriginSet>();

/**
 * Does at least one client of the server allow `origin`? Answers CORS preflights, which carry no
 * client id (the browser sends no body). The store hands back the same cached list for a few
 * seconds, so the set is built once per list, and each answer is a hash lookup however many
 * clients the server has.
 */
export async function serverAllowsOrigin(
  clients: Pick<ClientStore, 'listOriginSources'>, tenantId: string, serverId: string, origin: string,
): Promise<boolean> {
  const sources = await clients.listOriginSources(tenantId, serverId);
  let set = serverSets.get(sources);
  if (!set) {
    set = new OriginSet();
    for (const c of sources) set.add(originsOf(c));
    serverSets.set(sources, set);
  }
  return set.has(origin);
}

/** Does some client of this authorization server allow `origin`? (For the HTTP layer: the preflight.) */
export function originAllowedOnServer(deps: CoreDeps, tenantId: string, serverId: string, origin: string): Promise<boolean> {
  return serverAllowsOrigin(deps.stores.clients, tenantId, serverId, origin);
}

/** May `origin` read the answers of this client? Null when the server has no such client. */
export async function originAllowedForClient(
  deps: CoreDeps, tenantId: string, serverId: string, clientId: string, origin: string,
): Promise<boolean | null> {
  const client = await deps.stores.clients.find(tenantId, serverId, clientId);
  return client ? clientAllowsOrigin(client, origin) : null;
}
