/** Opens SQLite (default) or PostgreSQL, runs the versioned migrations, returns the Stores. */
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Stores } from '../core/ports.js';
import { generateSecretsKey, SecretsKeyring } from '../crypto/secrets-key.js';
import { MIGRATION_NAMES } from './migrations/names.js';
import type { SqlExecutor } from './prepared.js';
import { secureSqliteFiles } from './file-modes.js';
import { openSqlite, SqliteExecutor } from './sqlite.js';
import { createSecretsKeyFile, readSecretsKeyFile, secretsKeyPath, writeSecretsKeyFile } from './secrets-key-file.js';
import { createStores } from './stores/index.js';
import { encryptedKeyInUse, reencryptSigningKeys } from './stores/keys.js';

export interface DatabaseOptions {
  /** postgres://… selects PostgreSQL; otherwise SQLite in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** SQLite only: ':memory:' for tests. */
  sqliteFile?: string;
  /** SQLite only: NORMAL (default) or FULL. */
  sqliteSynchronous?: 'NORMAL' | 'FULL';
  /** PostgreSQL: false refuses a schema without Pixie's tables instead of creating them (`pixie admin`). */
  create?: boolean;
  /**
   * Secrets keys (base64url, newest first) that encrypt the private signing keys at rest. None:
   * SQLite uses the `secrets.key` file next to the database (made at first start), PostgreSQL
   * stores them unencrypted (with a warning: several machines must share one configured key).
   */
  secretsKeys?: string[];
}

export interface Database {
  executor: SqlExecutor;
  stores: Stores;
  describe: string;
  /** Problems fixed while opening (file modes tightened), for the caller to log as warnings. */
  warnings: string[];
  /**
   * Run start-up work (defaults, import files) in one process at a time: PostgreSQL takes an
   * advisory lock, since two processes importing at once would race on unique keys; SQLite
   * serialises writers already (BEGIN IMMEDIATE).
   */
  serialized<T>(fn: () => Promise<T>): Promise<T>;
  /** What encrypts the private signing keys: configured keys, SQLite's generated key file, or nothing. */
  secrets: {
    keyring: SecretsKeyring;
    /** SQLite's `secrets.key` when it holds the keys; `created`: made by this start. */
    file: string | null;
    created: boolean;
    /** Private keys re-encrypted while opening (plaintext of an older release, or under an older key). */
    reencrypted: number;
  };
}

/**
 * True when every migration is recorded as applied: a restart then opens the database without
 * loading Kysely's migrator or the migrations at all (start-up time).
 */
const allApplied = (names: string[]) => MIGRATION_NAMES.every((name) => names.includes(name));

function sqliteUpToDate(sqlite: ReturnType<typeof openSqlite>): boolean {
  try {
    return allApplied(sqlite.prepare('SELECT name FROM kysely_migration').pluck().all() as string[]);
  } catch (err) {
    if (/no such table/.test((err as Error).message)) return false; // a new database
    throw err;
  }
}

/**
 * The same for PostgreSQL. It also keeps a restart clear of Kysely's migrator, whose catalog
 * query checks every schema of the database and fails when another one is dropped meanwhile.
 */
async function postgresUpToDate(pool: import('pg').Pool, schema: string): Promise<boolean> {
  const table = `"${schema.replaceAll('"', '""')}".kysely_migration`; // never another schema's
  try {
    return allApplied((await pool.query<{ name: string }>(`SELECT name FROM ${table}`)).rows.map((r) => r.name));
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return false; // undefined_table: a new database
    throw err;
  }
}

function isOtherSchemaGone(error: unknown, schema: string | undefined): boolean {
  const m = /^schema "(.+)" does not exist$/.exec((error as Error)?.message ?? '');
  return m !== null && m[1] !== schema;
}

async function migrate(db: Kysely<unknown>, schema?: string, ownTransaction = false): Promise<void> {
  const { Migrator } = await import('kysely');
  const { MIGRATIONS } = await import('./migrations/index.js');
  // Kysely's migrator takes its own pg_advisory_lock around the migrations, but creates its
  // bookkeeping tables before that; openDatabase also holds a Pixie advisory lock around the whole.
  // PostgreSQL: name the schema, or Kysely takes another schema's bookkeeping tables (same
  // database, other installation) for its own and then fails to find them on the search_path.
  const migrator = new Migrator({
    db, migrationTableSchema: schema, provider: { getMigrations: async () => MIGRATIONS }, allowUnorderedMigrations: true,
    disableTransactions: ownTransaction,
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's catalog query checks the privileges on every schema of the database and fails
  // when another installation's (or another test's) schema is dropped at that moment. Nothing
  // of ours was changed then (applied migrations are recorded and skipped): try again.
  for (let attempt = 1; error && attempt <= 3 && isOtherSchemaGone(error, schema); attempt++) {
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    const which = failed ? ` ${failed.migrationName}` : 's';
    throw new Error(`database migration${which} failed: ${(error as Error).message ?? error}`);
  }
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl && /^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
    // Loaded only for PostgreSQL: the default SQLite start-up does not pay for `pg`.
    const { openPostgres, PostgresExecutor, withAdvisoryLock } = await import('./postgres.js');
    const pool = openPostgres(opts.databaseUrl);
    try {
      const schema = (await pool.query<{ s: string | null }>('SELECT current_schema() AS s').catch((err: Error) => {
        throw new Error(`cannot use the PostgreSQL database of DATABASE_URL (${where(opts.databaseUrl!)}): ${err.message}`);
      })).rows[0]?.s;
      if (!schema) throw new Error('PostgreSQL has no current schema: the search_path names no existing schema');
      if (opts.create === false && !(await pool.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`"${schema.replaceAll('"', '""')}".kysely_migration`])).rows[0]?.t) {
        throw new MissingDatabase(`no Pixie tables in schema "${schema}" of DATABASE_URL (${where(opts.databaseUrl)})`);
      }
      if (!(await postgresUpToDate(pool, schema))) {
        const { Kysely, PostgresDialect } = await import('kysely');
        const kysely = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: openPostgres(opts.databaseUrl, 1) }) });
        try {
          await withAdvisoryLock(pool, 'migrate', true, () => migrate(kysely, schema));
        } finally {
          await kysely.destroy();
        }
      }
    } catch (err) {
      await pool.end();
      throw err;
    }
    const executor = new PostgresExecutor(pool);
    const keyring = new SecretsKeyring(opts.secretsKeys ?? []);
    const warnings = keyring.encrypts ? [] : [
      'no secrets key configured (PIXIE_SECRETS_KEY or PIXIE_SECRETS_KEY_FILE): signing keys are stored unencrypted in PostgreSQL; '
      + 'generate one with `pixie secrets-key generate` and give the same key to every machine (docs/security.md)',
    ];
    let reencrypted: number;
    try {
      reencrypted = (await withAdvisoryLock(pool, 'secrets', true, () => reencryptSigningKeys(executor, keyring, (fn) => executor.transaction(fn))))!.value;
    } catch (err) {
      await pool.end();
      throw err;
    }
    return {
      executor, stores: createStores(executor, keyring), describe: `PostgreSQL ${redactUrl(opts.databaseUrl)}`, warnings,
      serialized: async (fn) => (await withAdvisoryLock(pool, 'setup', true, fn))!.value,
      secrets: { keyring, file: null, created: false, reencrypted },
    };
  }
  const file = opts.sqliteFile ?? join(opts.dataDir, 'pixie.db');
  const warnings = file === ':memory:' ? [] : secureSqliteFiles(opts.dataDir, file);
  const sqlite = openSqlite(file, opts.sqliteSynchronous);
  if (!sqliteUpToDate(sqlite)) {
    const { Kysely, SqliteDialect } = await import('kysely');
    const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
    // One IMMEDIATE transaction around the whole migration (Kysely's own would be deferred):
    // other processes opening the same file wait for it (busy_timeout) instead of racing to
    // create the same tables. Not destroyed after: that would close the shared handle.
    sqlite.exec('BEGIN IMMEDIATE');
    try {
      await migrate(kysely, undefined, true);
      sqlite.exec('COMMIT');
    } catch (err) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      sqlite.close();
      throw err;
    }
  }
  const executor = new SqliteExecutor(sqlite);
  let secrets: Database['secrets'];
  try {
    secrets = await sqliteSecrets(executor, file, opts.secretsKeys ?? [], warnings);
    secrets.reencrypted = await reencryptSigningKeys(executor, secrets.keyring, (fn) => executor.transaction(fn));
  } catch (err) {
    await executor.close();
    throw err;
  }
  return { executor, stores: createStores(executor, secrets.keyring), describe: `SQLite ${file}`, warnings, serialized: (fn) => fn(), secrets };
}

/**
 * SQLite's secrets: the configured keys, else the `secrets.key` file next to the database, made
 * now if there is none. Never made when signing keys are already encrypted: their key is then
 * missing (a restored database without its key file), and a new key would not open them.
 */
async function sqliteSecrets(x: SqlExecutor, file: string, configured: string[], warnings: string[]): Promise<Database['secrets']> {
  const none = { file: null, created: false, reencrypted: 0 };
  if (configured.length) return { keyring: new SecretsKeyring(configured), ...none };
  if (file === ':memory:') return { keyring: new SecretsKeyring([generateSecretsKey()]), ...none };
  const path = secretsKeyPath(file);
  const existing = readSecretsKeyFile(path, warnings);
  if (existing) return { keyring: new SecretsKeyring(existing), file: path, created: false, reencrypted: 0 };
  const inUse = await encryptedKeyInUse(x);
  if (inUse) {
    throw new Error(`signing keys in ${file} are encrypted with secrets key ${inUse}, but ${path} is missing: `
      + 'restore it from the backup of the database, or set PIXIE_SECRETS_KEY (or PIXIE_SECRETS_KEY_FILE) to that key');
  }
  const { keys, created } = createSecretsKeyFile(path);
  return { keyring: new SecretsKeyring(keys), file: path, created, reencrypted: 0 };
}

/**
 * `pixie secrets-key rotate`: re-encrypts every private signing key to the newest key. With
 * configured keys ("new,old") the newest is the first; with SQLite's key file, a new key is made
 * and the file holds "new,old" until every row is re-encrypted, then "new" alone, so a crash at
 * any point leaves a file that opens every row. Returns the rows rewritten and the key file.
 */
export async function rotateSecretsKey(db: Database): Promise<{ rewritten: number; file: string | null }> {
  const { file } = db.secrets;
  const transaction = <T>(fn: () => Promise<T>) => db.executor.transaction(fn);
  if (!file) {
    if (!db.secrets.keyring.encrypts) throw new Error('no secrets key configured: set PIXIE_SECRETS_KEY (or PIXIE_SECRETS_KEY_FILE) to the new key, followed by the old ones ("new,old")');
    return { rewritten: db.secrets.reencrypted + await reencryptSigningKeys(db.executor, db.secrets.keyring, transaction), file: null };
  }
  // Rows re-encrypted while opening went to the file's newest key: counted again below.
  const keys = [generateSecretsKey(), ...(readSecretsKeyFile(file, []) ?? [])];
  writeSecretsKeyFile(file, keys);
  const rewritten = await reencryptSigningKeys(db.executor, new SecretsKeyring(keys), transaction);
  writeSecretsKeyFile(file, keys.slice(0, 1));
  return { rewritten, file };
}

/** The database to open does not exist (and was not to be created). */
export class MissingDatabase extends Error {}

/** Host, port and database name of a URL: never its password. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `host ${u.host || 'localhost'}${u.pathname.length > 1 ? `, database ${decodeURIComponent(u.pathname.slice(1))}` : ''}`;
  } catch {
    return 'an unparsable URL';
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
