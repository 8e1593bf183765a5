/** The one typed configuration, with defaults. Read from flags and environment by load.ts. */

export interface Config {
  /** Interface to listen on. */
  host: string;
  /** Port to listen on (0 = any free port). */
  port: number;
  /** The URL clients reach Pixie at; issuers are `${publicUrl}/${tenant}/${server}`. */
  publicUrl: string;
  /** Folder of the embedded SQLite database. */
  dataDir: string;
  /** postgres://… selects PostgreSQL instead of SQLite. */
  databaseUrl: string | null;
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  logLevel: string;
  /** Load the demo tenant and print how to try the flow. */
  dev: boolean;
  /** JSON file applied at every start. */
  importFile: string | null;
  tlsCert: string | null;
  tlsKey: string | null;
  /** Tenant and server behind the Stack Exchange–compatible endpoints at the root. */
  stackExchangeTenant: string;
  stackExchangeServer: string;
  /** Trust X-Forwarded-* from a reverse proxy (needed for client IPs behind one). */
  trustProxy: boolean;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** HTTP worker processes sharing the port (node:cluster); 1 runs no cluster. */
  workers: number;
  /** Secret of the system tenant's admin client; null: generated on first start and printed once. */
  adminClientSecret: string | null;
  /** SQLite's `synchronous`: NORMAL survives a process crash, FULL also an OS crash (slower). */
  sqliteSynchronous: 'NORMAL' | 'FULL';
  /** Authorization servers kept resolved in memory (settings and keys), least recently used dropped first. */
  serverCacheSize: number;
  /** Sign-ins in progress (parked authorization requests) allowed per client IP, and in all. */
  pendingSignInsPerIp: number;
  pendingSignInsMax: number;
  /** Connection deadlines, in milliseconds: all request headers, the whole request, an idle keep-alive connection, any silent socket. */
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  idleTimeout: number;
  /** Open connections allowed per client address (0: no cap). */
  maxConnectionsPerIp: number;
  /** On SIGTERM/SIGINT, how long requests in flight may take to finish before their connections are closed (ms). */
  shutdownGrace: number;
  /**
   * Keys that encrypt the private signing keys at rest (32 bytes, base64url), newest first: the
   * first encrypts, the others only decrypt while rows are re-encrypted. Empty: SQLite makes and
   * uses `secrets.key` next to the database; PostgreSQL stores them unencrypted.
   */
  secretsKeys: string[];
}

export const DEFAULT_CONFIG: Config = {
  host: '127.0.0.1',
  port: 8080,
  publicUrl: '',
  dataDir: '.pixie',
  databaseUrl: null,
  logLevel: 'info',
  dev: false,
  importFile: null,
  tlsCert: null,
  tlsKey: null,
  stackExchangeTenant: 'default',
  stackExchangeServer: 'default',
  trustProxy: false,
  bodyLimit: 64 * 1024,
  workers: 1,
  serverCacheSize: 1000,
  adminClientSecret: null,
  sqliteSynchronous: 'NORMAL',
  pendingSignInsPerIp: 100,
  pendingSignInsMax: 10_000,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  idleTimeout: 30_000,
  maxConnectionsPerIp: 100,
  shutdownGrace: 10_000,
  secretsKeys: [],
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Issuers must be https unless the host is loopback. Returns an error message or null. */
export function checkPublicUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `--public-url "${url}" is not a URL`;
  }
  if (u.pathname !== '/' || u.search || u.hash) return '--public-url must be an origin (no path, query or fragment)';
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return null;
  return '--public-url must use https unless the host is loopback (127.0.0.1, localhost, [::1])';
}
