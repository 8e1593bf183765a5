/**
 * Writes the generated parts of docs/configuration.md (the environment table and the import-file
 * reference) and docs/import-file.schema.json from the code, so the docs cannot drift:
 * `npm run docs:config` writes them, `npm run docs:config -- --check` fails when they are stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_CONFIG, type Config } from '../src/config/schema.js';
import { importFileJsonSchema } from '../src/import/json-schema.js';

const ROOT = new URL('../', import.meta.url);
export const DOC_PATH = fileURLToPath(new URL('docs/configuration.md', ROOT));
export const SCHEMA_PATH = fileURLToPath(new URL('docs/import-file.schema.json', ROOT));

interface Setting {
  key: keyof Config;
  flag?: string;
  env?: string;
  /** How the default reads; absent: DEFAULT_CONFIG[key], with `unit`. */
  shown?: string;
  unit?: 'seconds';
  meaning: string;
}

/** Every Config key, with the flag and environment variable that set it (none: fixed). */
export const SETTINGS: Setting[] = [
  { key: 'dev', flag: '--dev', shown: 'off', meaning: 'Load the demo tenant (user `user`, password `user`, demo clients) and print how to get a token.' },
  { key: 'port', flag: '--port N', env: 'PIXIE_PORT', meaning: 'Port to listen on (`0`: any free port).' },
  { key: 'host', flag: '--host H', env: 'PIXIE_HOST', meaning: 'Interface to listen on. Beyond loopback, `--public-url` is required.' },
  { key: 'dataDir', flag: '--data DIR', env: 'PIXIE_DATA_DIR', meaning: 'Folder of the embedded SQLite database (created 0700, files 0600).' },
  { key: 'databaseUrl', env: 'DATABASE_URL', shown: '—', meaning: '`postgres://user:password@host:5432/db` stores everything in PostgreSQL instead of SQLite.' },
  { key: 'importFile', flag: '--import FILE', env: 'PIXIE_IMPORT', shown: '—', meaning: 'Import file (below) applied at every start; idempotent.' },
  { key: 'publicUrl', flag: '--public-url URL', env: 'PIXIE_PUBLIC_URL', shown: '`http://{host}:{port}`', meaning: 'The origin clients use; issuers are `{public-url}/{tenant}/{server}`. https unless the host is loopback.' },
  { key: 'tlsCert', flag: '--tls-cert FILE', env: 'PIXIE_TLS_CERT', shown: '—', meaning: 'PEM certificate: serve HTTPS directly (with `--tls-key`).' },
  { key: 'tlsKey', flag: '--tls-key FILE', env: 'PIXIE_TLS_KEY', shown: '—', meaning: 'PEM private key of `--tls-cert`.' },
  { key: 'logLevel', flag: '--log-level L', env: 'PIXIE_LOG_LEVEL', meaning: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`; secrets are redacted at every level.' },
  { key: 'workers', flag: '--workers N', env: 'PIXIE_WORKERS', meaning: 'HTTP worker processes sharing the port (1 to 256, or `auto`: one per CPU).' },
  { key: 'trustProxy', env: 'PIXIE_TRUST_PROXY', shown: 'off', meaning: '`true` or `1`: trust `X-Forwarded-*` from a reverse proxy (client IPs, https).' },
  { key: 'adminClientSecret', env: 'PIXIE_ADMIN_CLIENT_SECRET', shown: 'generated', meaning: 'Secret of the system tenant\'s admin client; unset: generated on first start and printed once.' },
  { key: 'stackExchangeTenant', env: 'PIXIE_SE_TENANT', meaning: 'Tenant behind the Stack Exchange–compatible endpoints at the root.' },
  { key: 'stackExchangeServer', env: 'PIXIE_SE_SERVER', meaning: 'Server behind the Stack Exchange–compatible endpoints at the root.' },
  { key: 'sqliteSynchronous', env: 'PIXIE_SQLITE_SYNCHRONOUS', meaning: '`NORMAL` survives a process crash; `FULL` also an OS crash (fsync at every commit, slower).' },
  { key: 'serverCacheSize', env: 'PIXIE_SERVER_CACHE_SIZE', meaning: 'Authorization servers kept resolved in memory (settings, keys); least recently used dropped first.' },
  { key: 'headersTimeout', env: 'PIXIE_HEADERS_TIMEOUT', unit: 'seconds', meaning: 'Seconds to receive all request headers (at most the request timeout).' },
  { key: 'requestTimeout', env: 'PIXIE_REQUEST_TIMEOUT', unit: 'seconds', meaning: 'Seconds to receive a whole request.' },
  { key: 'keepAliveTimeout', env: 'PIXIE_KEEP_ALIVE_TIMEOUT', unit: 'seconds', meaning: 'Seconds an idle keep-alive connection stays open.' },
  { key: 'idleTimeout', env: 'PIXIE_IDLE_TIMEOUT', unit: 'seconds', meaning: 'Seconds any silent socket stays open.' },
  { key: 'maxConnectionsPerIp', env: 'PIXIE_MAX_CONNECTIONS_PER_IP', meaning: 'Open connections per client address (`0`: no cap, e.g. behind a proxy).' },
  { key: 'pendingSignInsPerIp', env: 'PIXIE_PENDING_SIGNINS_PER_IP', meaning: 'Sign-ins in progress per client IP (then 429); also caps the device codes (RFC 8628) waiting for approval and the pushed authorization requests (RFC 9126) waiting to be used.' },
  { key: 'pendingSignInsMax', env: 'PIXIE_PENDING_SIGNINS_MAX', meaning: 'Sign-ins in progress in all (then 503); also caps the device codes waiting for approval and the pushed authorization requests waiting to be used.' },
  { key: 'registrationsPerIp', env: 'PIXIE_REGISTRATIONS_PER_IP', meaning: 'Dynamic client registrations per client IP per hour (then 429; `0`: no limit).' },
  { key: 'shutdownGrace', env: 'PIXIE_SHUTDOWN_GRACE', unit: 'seconds', meaning: 'On `SIGTERM`/`SIGINT`, seconds requests in flight may take to finish.' },
  { key: 'secretsKeys', env: 'PIXIE_SECRETS_KEY', shown: 'SQLite: generated `secrets.key`; PostgreSQL: none', meaning: 'Key that encrypts the private signing keys at rest: 32 random bytes in base64url (`pixie secrets-key generate`). A list `new,old` rotates: the first encrypts, the others still decrypt. `PIXIE_SECRETS_KEY_FILE` (a file path) reads it from a file instead. Back it up with the database.' },
  { key: 'passwordHashCost', env: 'PIXIE_PASSWORD_HASH_COST', meaning: 'log2 of scrypt\'s N for password hashes (14 to 20; 17 = OWASP\'s N=2^17, r=8, p=1, 128 MiB per check). Weaker hashes are rehashed at the next sign-in.' },
  { key: 'bodyLimit', meaning: 'Largest request body, in bytes (fixed: no flag or variable).' },
];

function shownDefault(s: Setting): string {
  if (s.shown) return s.shown;
  const v = DEFAULT_CONFIG[s.key];
  return `\`${String(s.unit === 'seconds' ? (v as number) / 1000 : v)}\``;
}

function envSection(): string {
  const rows = SETTINGS.map((s) => `| ${s.flag ? `\`${s.flag}\`` : '—'} | ${s.env ? `\`${s.env}\`` : '—'} | ${shownDefault(s)} | ${s.meaning} |`);
  return ['| Flag | Environment | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

type Schema = Record<string, unknown> & { type?: string; title?: string; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[]; required?: string[] };

const code = (v: unknown) => `\`${JSON.stringify(v)}\``;

function typeOf(s: Schema): string {
  if (s.const !== undefined) return code(s.const);
  if (s.anyOf) return s.anyOf.map(typeOf).join(' \\| ');
  if (s.type === 'array') return `array of ${typeOf(s.items!)}`;
  if (s.type === 'object') return s.title ? `[${s.title}](#${anchor(s.title)})` : 'object';
  const bounds: string[] = [];
  if (s.minimum !== undefined) bounds.push(`${String(s.minimum)}–${String(s.maximum)}`);
  if (s.minLength !== undefined || s.maxLength !== undefined) bounds.push(`${String(s.minLength ?? 0)}–${String(s.maxLength)} chars`);
  if (s.format) bounds.push(String(s.format));
  if (s.pattern) bounds.push(`\`${String(s.pattern).replace(/\|/g, '\\|')}\``);
  return `${String(s.type)}${bounds.length ? ` (${bounds.join(', ')})` : ''}`;
}

const anchor = (title: string) => title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** Object schemas reached from the root, each once, in the order met. */
function objects(s: Schema, out: Schema[] = []): Schema[] {
  if (s.type === 'object' && s.title && !out.includes(s)) {
    out.push(s);
    for (const p of Object.values(s.properties ?? {})) objects(p, out);
  }
  if (s.items) objects(s.items, out);
  for (const b of s.anyOf ?? []) objects(b, out);
  return out;
}

function objectTable(o: Schema): string {
  const rows = Object.entries(o.properties ?? {}).map(([name, p]) => {
    const required = o.required?.includes(name) ? 'required' : p.default !== undefined ? code(p.default) : '—';
    const example = Array.isArray(p.examples) ? code(p.examples[0]) : '';
    return `| \`${name}\` | ${typeOf(p)} | ${required} | ${String(p.description ?? '')} | ${example} |`;
  });
  return [`### ${String(o.title)}`, '', '| Field | Type | Default | Meaning | Example |', '|---|---|---|---|---|', ...rows].join('\n');
}

function importSection(): string {
  return objects(importFileJsonSchema() as Schema).map(objectTable).join('\n\n');
}

const SECTIONS: Record<string, () => string> = { environment: envSection, 'import-file': importSection };

/** The doc with every generated section rewritten from the code. */
export function renderDoc(doc: string): string {
  let out = doc;
  for (const [name, render] of Object.entries(SECTIONS)) {
    const begin = `<!-- BEGIN GENERATED ${name} (npm run docs:config) -->`;
    const end = `<!-- END GENERATED ${name} -->`;
    const from = out.indexOf(begin);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/configuration.md has no ${begin} … ${end} markers`);
    out = `${out.slice(0, from + begin.length)}\n${render()}\n${out.slice(to)}`;
  }
  return out;
}

export const renderSchema = () => `${JSON.stringify(importFileJsonSchema(), null, 2)}\n`;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const doc = readFileSync(DOC_PATH, 'utf8');
  const next = renderDoc(doc);
  const schema = renderSchema();
  if (process.argv.includes('--check')) {
    const stale = [next !== doc && DOC_PATH, readFileSync(SCHEMA_PATH, 'utf8') !== schema && SCHEMA_PATH].filter(Boolean);
    if (stale.length) {
      console.error(`stale: ${stale.join(', ')} (run npm run docs:config)`);
      process.exit(1);
    }
  } else {
    writeFileSync(DOC_PATH, next);
    writeFileSync(SCHEMA_PATH, schema);
  }
}
