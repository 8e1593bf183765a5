/**
 * `pixie admin …`: the admin resources from the command line, working on the
 * configured database directly (no server, no token) so an operator can bootstrap.
 */
import { Value } from '../vendor/typebox.js';
import type { TSchema } from '@sinclair/typebox';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { issueApiKey, listApiKeys, revokeApiKey } from '../admin/api-keys.js';
import { CLI_ACTOR } from '../admin/audit.js';
import { createClient, deleteClient, getClient, listClients } from '../admin/clients.js';
import { ApiKeyCreate, ClientCreate, TenantCreate, UserCreate, type ApiKeyCreateData, type UserCreateData } from '../admin/schemas.js';
import { issueSecret, listSecrets, revokeSecret } from '../admin/secrets.js';
import { createTenant, deleteTenant, listTenantsForOperator, rotateSystemAdminSecret } from '../admin/tenants.js';
import { createUser, getUser, listUsers, updateUser } from '../admin/users.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { systemClock, type CoreDeps } from '../core/deps.js';
import { ServerDirectory } from '../core/directory.js';
import type { Tenant } from '../core/types.js';
import { randomBase64url } from '../crypto/random.js';
import { ensureDefaults } from '../import/apply.js';
import { MissingDatabase, openDatabase, type Database } from '../storage/database.js';
import { UsageError } from './pkce.js';

/** Usage lines per resource: `pixie admin RESOURCE --help` prints its own. */
const USAGE: Record<string, string> = {
  tenants: `  pixie admin tenants list [--search PREFIX] [--limit N]
  pixie admin tenants create ID [--name NAME] [--admin-client CLIENT_ID]
  pixie admin tenants delete ID
`,
  clients: `  pixie admin clients list [--tenant T] [--server S]
  pixie admin clients create CLIENT_ID [--tenant T] [--server S] [--name NAME] [--public]
                             [--grant-type G]... [--redirect-uri URI]... [--scope S]... [--body JSON]
  pixie admin clients delete CLIENT_ID [--tenant T] [--server S]
`,
  secrets: `  pixie admin secrets list CLIENT_ID [--tenant T] [--server S]
  pixie admin secrets create CLIENT_ID [--tenant T] [--server S] [--name NAME]
  pixie admin secrets revoke CLIENT_ID SECRET_ID [--tenant T] [--server S]
`,
  'api-keys': `  pixie admin api-keys list CLIENT_ID [--tenant T] [--server S]
  pixie admin api-keys create CLIENT_ID [--tenant T] [--server S] [--name NAME]
  pixie admin api-keys revoke CLIENT_ID KEY_ID [--tenant T] [--server S]
`,
  users: `  pixie admin users list [--tenant T]
  pixie admin users create USERNAME [--tenant T] [--password P] [--email E] [--name NAME]
  pixie admin users disable USERNAME [--tenant T]
`,
  'system-admin': `  pixie admin system-admin rotate      a new secret for the system admin client (manages tenants)
`,
};

/** The actions of each resource, read from its usage lines. */
const ACTIONS = Object.fromEntries(Object.entries(USAGE).map(([r, text]) =>
  [r, [...text.matchAll(new RegExp(`pixie admin ${r} (\\S+)`, 'g'))].map((m) => m[1])]));

const OPTIONS_HELP = `Options: --tenant (default "default"), --server (default "default"), --json (machine-readable output).
Database: the one \`pixie serve\` uses from the same folder: --data DIR (or PIXIE_DATA_DIR; default ./.pixie),
or DATABASE_URL=postgres://… for PostgreSQL. A missing one (no SQLite file, no Pixie tables in the
PostgreSQL schema) is created only with --create.
Secrets and API keys are printed once.
\`tenants list\` prints every tenant (page after page; --limit N stops after N), or those whose id or
name starts with --search; \`tenants create --admin-client\` also creates the tenant's admin client
(client_credentials, scope manage_configuration, on its admin server) and prints its secret once.
`;

export const ADMIN_HELP = `pixie admin — manage tenants, clients, secrets, API keys and users in the configured database

Usage:
${Object.values(USAGE).join('')}
${OPTIONS_HELP}`;

function resourceHelp(resource: string): string {
  return `Usage:\n${USAGE[resource]}\n${OPTIONS_HELP}`;
}

const OPTIONS = {
  tenant: { type: 'string', default: 'default' }, server: { type: 'string', default: 'default' }, json: { type: 'boolean' },
  data: { type: 'string' }, name: { type: 'string' }, public: { type: 'boolean' }, 'grant-type': { type: 'string', multiple: true },
  'redirect-uri': { type: 'string', multiple: true }, scope: { type: 'string', multiple: true }, body: { type: 'string' },
  password: { type: 'string' }, email: { type: 'string' }, limit: { type: 'string' }, create: { type: 'boolean' },
  search: { type: 'string' }, 'admin-client': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Row = object;

/** Columns padded to the widest cell; arrays joined with spaces. */
export function formatTable(rows: Row[], columns: string[]): string {
  const cell = (v: unknown, column = '') => {
    if (v === null || v === undefined) return '-';
    if (Array.isArray(v)) return v.join(' ');
    // Epoch seconds read better as UTC times in a table; --json keeps the numbers.
    return typeof v === 'number' && column.endsWith('_at') ? new Date(v * 1000).toISOString().slice(0, 19) + 'Z' : typeof v === 'string' ? v : JSON.stringify(v);
  };
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell((r as Record<string, unknown>)[c], c).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => cell((r as Record<string, unknown>)[c], c))))].join('\n');
}

function check<T>(schema: TSchema, value: unknown): T {
  const first = Value.Errors(schema, value).First();
  if (!first) return value as T;
  const allowed = (first.schema as { enum?: string[] }).enum;
  const message = allowed ? `must be one of: ${allowed.join(', ')}` : first.message;
  throw new UsageError(`${first.path.slice(1).replace(/\//g, '.') || 'input'}: ${message}`);
}

function parseBody(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch { /* reported below */ }
  throw new UsageError('--body must be a JSON object');
}

/** Every tenant (or those matching `search`), page after page, up to `max`. */
async function allTenants(deps: CoreDeps, search: string | undefined, max: number): Promise<Tenant[]> {
  if (Number.isNaN(max) || max < 1) throw new UsageError('--limit must be a positive number');
  const items: Tenant[] = [];
  let cursor: string | undefined;
  do {
    const p = await listTenantsForOperator(deps, { limit: '200', ...(cursor ? { cursor } : {}), ...(search ? { q: search } : {}) });
    items.push(...p.items);
    cursor = p.next_cursor ?? undefined;
  } while (cursor && items.length < max);
  return items.slice(0, max);
}

/** `help` and usage mistakes are answered before any database is opened. */
function checkUsage(resource: string | undefined, action: string | undefined, help: boolean): string | null {
  if ((!resource && help) || resource === 'help') return ADMIN_HELP;
  if (!resource) throw new UsageError(`admin: name a resource: ${Object.keys(USAGE).join(', ')}\n\n${ADMIN_HELP}`);
  if (!USAGE[resource]) throw new UsageError(`admin: unknown resource "${resource}"; one of: ${Object.keys(USAGE).join(', ')}\n\n${ADMIN_HELP}`);
  if (help) return resourceHelp(resource);
  if (!action) throw new UsageError(`admin ${resource}: name an action: ${ACTIONS[resource].join(', ')}\n\n${resourceHelp(resource)}`);
  if (!ACTIONS[resource].includes(action)) {
    throw new UsageError(`admin ${resource}: unknown action "${action}"; one of: ${ACTIONS[resource].join(', ')}\n\n${resourceHelp(resource)}`);
  }
  return null;
}

const POINT_ELSEWHERE = 'run where `pixie serve` runs, or point to its database with --data DIR (PIXIE_DATA_DIR) '
  + 'or DATABASE_URL=postgres://…; --create makes a new empty one there';

/** The database `pixie serve` would use; a missing one is an error unless --create. */
async function openConfigured(config: Config, create: boolean, note: (text: string) => void): Promise<Database> {
  if (!config.databaseUrl) {
    const file = resolve(config.dataDir, 'pixie.db');
    if (!create && !existsSync(file)) throw new UsageError(`no database at ${file}; ${POINT_ELSEWHERE}`);
  }
  const db = await openDatabase({ databaseUrl: config.databaseUrl ?? undefined, dataDir: resolve(config.dataDir), create, secretsKeys: config.secretsKeys }).catch((err: Error) => {
    throw err instanceof MissingDatabase ? new UsageError(`${err.message}; ${POINT_ELSEWHERE}`) : err;
  });
  for (const warning of db.warnings) note(`pixie admin: ${warning}`);
  note(`pixie admin: using ${db.describe}`);
  return db;
}

export async function adminCommand(argv: string[], env: NodeJS.ProcessEnv, out: (text: string) => void,
  note: (text: string) => void = () => {}): Promise<void> {
  const { values: o, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const [resource, action, ...args] = positionals;
  const usage = checkUsage(resource, action, o.help ?? false);
  if (usage) return out(usage);
  const config = loadConfig({ data: o.data }, env);
  const db = await openConfigured(config, o.create ?? false, note);
  // Same starting point as `pixie serve`: the default tenant with its servers exists.
  await ensureDefaults(db.stores, systemClock.now());
  const deps: CoreDeps = {
    stores: db.stores, clock: systemClock, publicUrl: config.publicUrl,
    directory: new ServerDirectory(db.stores, systemClock, () => config.publicUrl),
  };
  const print = (value: unknown, rows: Row[], columns: string[], note?: string) => {
    if (o.json) return out(JSON.stringify(value, null, 2));
    out(formatTable(rows, columns) + (note ? `\n${note}` : ''));
  };
  const need = (v: string | undefined, what: string) => {
    if (!v) throw new UsageError(`${resource} ${action}: ${what} is required\n\n${ADMIN_HELP}`);
    return v;
  };
  const q = { limit: o.limit ?? '200' };
  try {
    switch (`${resource} ${action}`) {
      case 'tenants list': {
        const items = await allTenants(deps, o.search, o.limit === undefined ? Infinity : Number(o.limit));
        return print(items, items, ['id', 'name']);
      }
      case 'tenants create': {
        const t = await createTenant(deps, CLI_ACTOR, check(TenantCreate, {
          id: need(args[0], 'ID'), ...(o.name ? { name: o.name } : {}), ...(o['admin-client'] ? { admin_client: { client_id: o['admin-client'] } } : {}),
        }));
        const admin = t.admin_client;
        return print(t, [{ ...t, admin_client: admin?.client_id }], admin ? ['id', 'name', 'admin_client'] : ['id', 'name'],
          admin ? `admin client secret (shown once, store it now): ${admin.client_secret}` : undefined);
      }
      case 'tenants delete': {
        await deleteTenant(deps, CLI_ACTOR, need(args[0], 'ID'));
        return print({ deleted: args[0] }, [{ deleted: args[0] }], ['deleted']);
      }
      case 'clients list': {
        const p = await listClients(deps, o.tenant, { ...q, ...(argv.includes('--server') ? { authorization_server_id: o.server } : {}) });
        return print(p.items, p.items, ['authorization_server_id', 'client_id', 'client_name', 'public', 'grant_types', 'redirect_uris']);
      }
      case 'clients create': {
        const body = {
          authorization_server_id: o.server, client_id: need(args[0], 'CLIENT_ID'),
          ...(o.name ? { client_name: o.name } : {}), ...(o.public ? { public: true } : {}),
          ...(o['grant-type'] ? { grant_types: o['grant-type'] } : {}), ...(o['redirect-uri'] ? { redirect_uris: o['redirect-uri'] } : {}),
          ...(o.scope ? { scopes: o.scope } : {}), ...parseBody(o.body),
        };
        const c = await createClient(deps, CLI_ACTOR, o.tenant, check(ClientCreate, body));
        return print(c, [c], ['authorization_server_id', 'client_id', 'public', 'grant_types', 'scopes'],
          c.client_secret ? `client secret (shown once, store it now): ${c.client_secret}` : undefined);
      }
      case 'clients delete': {
        await deleteClient(deps, CLI_ACTOR, o.tenant, o.server, need(args[0], 'CLIENT_ID'));
        return print({ deleted: args[0] }, [{ deleted: args[0] }], ['deleted']);
      }
      case 'secrets list': {
        const items = await listSecrets(deps, await getClient(deps, o.tenant, o.server, need(args[0], 'CLIENT_ID')));
        return print(items, items, ['id', 'name', 'display_prefix', 'created_at', 'expires_at', 'last_used_at', 'revoked_at']);
      }
      case 'secrets create': {
        const client = await getClient(deps, o.tenant, o.server, need(args[0], 'CLIENT_ID'));
        const s = await deps.stores.transaction(() => issueSecret(deps, CLI_ACTOR, client, { name: o.name ?? 'cli' }));
        return print(s, [s], ['id', 'name', 'display_prefix'], `secret (shown once, store it now): ${s.secret}`);
      }
      case 'secrets revoke': {
        const client = await getClient(deps, o.tenant, o.server, need(args[0], 'CLIENT_ID'));
        await revokeSecret(deps, CLI_ACTOR, client, need(args[1], 'SECRET_ID'));
        return print({ revoked: args[1] }, [{ revoked: args[1] }], ['revoked']);
      }
      case 'api-keys list': {
        const items = await listApiKeys(deps, await getClient(deps, o.tenant, o.server, need(args[0], 'CLIENT_ID')));
        return print(items, items, ['id', 'name', 'display_prefix', 'created_at', 'expires_at', 'last_used_at', 'revoked_at']);
      }
      case 'api-keys create': {
        const client = await getClient(deps, o.tenant, o.server, need(args[0], 'CLIENT_ID'));
        const k = await deps.stores.transaction(() => issueApiKey(deps, CLI_ACTOR, client, check<ApiKeyCreateData>(ApiKeyCreate, { name: o.name ?? 'cli' })));
        return print(k, [k], ['id', 'name', 'display_prefix'], `API key (shown once, store it now): ${k.key}`);
      }
      case 'api-keys revoke': {
        const client = await getClient(deps, o.tenant, o.server, need(args[0], 'CLIENT_ID'));
        await revokeApiKey(deps, CLI_ACTOR, client, need(args[1], 'KEY_ID'));
        return print({ revoked: args[1] }, [{ revoked: args[1] }], ['revoked']);
      }
      case 'users list': {
        const p = await listUsers(deps, o.tenant, q);
        return print(p.items, p.items, ['id', 'username', 'email', 'name', 'disabled']);
      }
      case 'users create': {
        const generated = o.password === undefined ? randomBase64url(18) : null;
        const data = check<UserCreateData>(UserCreate, {
          username: need(args[0], 'USERNAME'), password: o.password ?? generated, ...(o.email ? { email: o.email } : {}), ...(o.name ? { name: o.name } : {}),
        });
        const u = await createUser(deps, CLI_ACTOR, o.tenant, data);
        return print(generated ? { ...u, password: generated } : u, [u], ['id', 'username', 'email', 'disabled'],
          generated ? `password (shown once): ${generated}` : undefined);
      }
      case 'system-admin rotate': {
        const { clientId, secret } = await rotateSystemAdminSecret(db.stores, systemClock.now());
        const kept = env.PIXIE_ADMIN_CLIENT_SECRET ? '\nPIXIE_ADMIN_CLIENT_SECRET is set here: `pixie serve` puts that secret back at its next start; change or unset it too.' : '';
        return print({ client_id: clientId, client_secret: secret }, [{ client_id: clientId }], ['client_id'],
          `new secret (shown once, store it now; the previous one stops working): ${secret}${kept}`);
      }
      case 'users disable': {
        const u = await updateUser(deps, CLI_ACTOR, o.tenant, (await getUser(deps, o.tenant, need(args[0], 'USERNAME'))).id, { disabled: true });
        return print(u, [u], ['id', 'username', 'disabled']);
      }
      default:
        throw new UsageError(`unknown admin command "${positionals.join(' ')}"\n\n${ADMIN_HELP}`);
    }
  } finally {
    await db.stores.close();
  }
}
