/** Flags and environment → a validated Config. Fails with every problem listed. */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { checkPublicUrl, DEFAULT_CONFIG, type Config } from './schema.js';

export interface ServeFlags {
  dev?: boolean;
  port?: string;
  host?: string;
  data?: string;
  import?: string;
  'public-url'?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
  'log-level'?: string;
  workers?: string;
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** Numeric limits from the environment: [config key, variable, unit in ms (seconds) or 1 (a count), min, max]. */
const NUMBERS: [keyof Config, string, number, number, number][] = [
  ['headersTimeout', 'PIXIE_HEADERS_TIMEOUT', 1000, 0.1, 3600],
  ['requestTimeout', 'PIXIE_REQUEST_TIMEOUT', 1000, 0.1, 3600],
  ['keepAliveTimeout', 'PIXIE_KEEP_ALIVE_TIMEOUT', 1000, 0.1, 3600],
  ['idleTimeout', 'PIXIE_IDLE_TIMEOUT', 1000, 0.1, 3600],
  ['shutdownGrace', 'PIXIE_SHUTDOWN_GRACE', 1000, 0, 3600],
  ['maxConnectionsPerIp', 'PIXIE_MAX_CONNECTIONS_PER_IP', 1, 0, 1_000_000],
  ['pendingSignInsPerIp', 'PIXIE_PENDING_SIGNINS_PER_IP', 1, 1, 1_000_000],
  ['pendingSignInsMax', 'PIXIE_PENDING_SIGNINS_MAX', 1, 1, 100_000_000],
];

function readNumbers(c: Config, env: NodeJS.ProcessEnv, problems: string[]): void {
  for (const [key, name, unit, min, max] of NUMBERS) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const n = Number(text);
    const whole = unit === 1;
    if (!/^\d+(\.\d+)?$/.test(text) || n < min || n > max || (whole && !Number.isInteger(n))) {
      problems.push(`${name} "${text}" must be ${whole ? 'a whole number' : 'a number of seconds'} from ${min} to ${max}`);
    } else (c as unknown as Record<string, number>)[key] = Math.round(n * unit);
  }
  if (c.headersTimeout > c.requestTimeout) problems.push('PIXIE_HEADERS_TIMEOUT must not be longer than PIXIE_REQUEST_TIMEOUT');
}

/** A secrets key: 32 bytes in base64url (43 characters, no padding). */
const SECRETS_KEY = /^[A-Za-z0-9_-]{43}$/;

/**
 * PIXIE_SECRETS_KEY, or the file PIXIE_SECRETS_KEY_FILE names: one key or a list, newest first
 * ("new,old", commas or white space between). Problems never quote a key.
 */
function readSecretsKeys(env: NodeJS.ProcessEnv, problems: string[]): string[] {
  const inline = env.PIXIE_SECRETS_KEY;
  const file = env.PIXIE_SECRETS_KEY_FILE;
  if (inline && file) {
    problems.push('set PIXIE_SECRETS_KEY or PIXIE_SECRETS_KEY_FILE, not both');
    return [];
  }
  let text = inline;
  const source = file ? `PIXIE_SECRETS_KEY_FILE (${file})` : 'PIXIE_SECRETS_KEY';
  if (file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`cannot read PIXIE_SECRETS_KEY_FILE ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return [];
    }
  }
  if (!text) return [];
  const keys = text.split(/[\s,]+/).filter(Boolean);
  if (!keys.length) problems.push(`${source} holds no key`);
  const bad = keys.findIndex((k) => !SECRETS_KEY.test(k));
  if (bad >= 0) {
    problems.push(`${source}: key ${bad + 1} is not a secrets key (32 random bytes in base64url, 43 characters; \`pixie secrets-key generate\` prints one)`);
    return [];
  }
  return keys;
}

export function loadConfig(flags: ServeFlags, env: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];
  const c: Config = { ...DEFAULT_CONFIG };
  const portText = flags.port ?? env.PIXIE_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) problems.push(`--port "${portText}" is not a port number (0-65535)`);
    else c.port = Number(portText);
  }
  c.host = flags.host ?? env.PIXIE_HOST ?? c.host;
  c.dataDir = flags.data ?? env.PIXIE_DATA_DIR ?? c.dataDir;
  c.databaseUrl = env.DATABASE_URL || null;
  if (c.databaseUrl && !/^postgres(ql)?:\/\//.test(c.databaseUrl)) problems.push('DATABASE_URL must start with postgres:// (unset it to use the embedded SQLite)');
  c.importFile = flags.import ?? env.PIXIE_IMPORT ?? null;
  c.dev = flags.dev ?? false;
  c.logLevel = flags['log-level'] ?? env.PIXIE_LOG_LEVEL ?? c.logLevel;
  if (!LEVELS.has(c.logLevel)) problems.push(`--log-level must be one of ${[...LEVELS].join(', ')}`);
  c.tlsCert = flags['tls-cert'] ?? env.PIXIE_TLS_CERT ?? null;
  c.tlsKey = flags['tls-key'] ?? env.PIXIE_TLS_KEY ?? null;
  if (Boolean(c.tlsCert) !== Boolean(c.tlsKey)) problems.push('--tls-cert and --tls-key go together');
  const workers = flags.workers ?? env.PIXIE_WORKERS;
  if (workers === 'auto') c.workers = availableParallelism();
  else if (workers !== undefined) {
    if (!/^\d{1,3}$/.test(workers) || Number(workers) < 1 || Number(workers) > 256) problems.push(`--workers "${workers}" must be a number from 1 to 256, or auto`);
    else c.workers = Number(workers);
  }
  const cacheSize = env.PIXIE_SERVER_CACHE_SIZE;
  if (cacheSize !== undefined) {
    if (!/^\d{1,7}$/.test(cacheSize) || Number(cacheSize) < 1) problems.push(`PIXIE_SERVER_CACHE_SIZE "${cacheSize}" must be a whole number from 1`);
    else c.serverCacheSize = Number(cacheSize);
  }
  c.adminClientSecret = env.PIXIE_ADMIN_CLIENT_SECRET || null;
  c.sqliteSynchronous = env.PIXIE_SQLITE_SYNCHRONOUS === 'FULL' ? 'FULL' : 'NORMAL';
  readNumbers(c, env, problems);
  c.secretsKeys = readSecretsKeys(env, problems);
  c.trustProxy = env.PIXIE_TRUST_PROXY === 'true' || env.PIXIE_TRUST_PROXY === '1';
  c.stackExchangeTenant = env.PIXIE_SE_TENANT ?? c.stackExchangeTenant;
  c.stackExchangeServer = env.PIXIE_SE_SERVER ?? c.stackExchangeServer;
  const publicUrl = flags['public-url'] ?? env.PIXIE_PUBLIC_URL;
  if (publicUrl) {
    const bad = checkPublicUrl(publicUrl);
    if (bad) problems.push(bad);
    c.publicUrl = publicUrl.replace(/\/$/, '');
  } else if (c.port !== 0) {
    const host = c.host.includes(':') ? `[${c.host}]` : c.host;
    c.publicUrl = `${c.tlsCert ? 'https' : 'http'}://${host}:${c.port}`;
    // Listening beyond loopback, the issuer must be the URL clients really use.
    if (!['127.0.0.1', 'localhost', '::1'].includes(c.host)) {
      problems.push(`listening on ${c.host}: set --public-url (PIXIE_PUBLIC_URL) to the https URL clients use`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return c;
}
