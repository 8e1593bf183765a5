/** Opens SQLite (default) or PostgreSQL, runs the versioned migrations, returns the Stores. */
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Stores } from '../core/ports.js';
import { MIGRATION_NAMES } from './migrations/names.js';
import type { SqlExecutor } from './prepared.js';
import { secureSqliteFiles } from './file-modes.js';
import { openSqlite, SqliteExecutor } from './sqlite.js';
import { createStores } from './stores/index.js';

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
}

/**
 * True when every migration is recorded as applied: a restart then opens the database without
 * loading Kysely's migrator or the migrations at all (start-up time, issue 8).
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
    return {
      executor, stores: createStores(executor), describe: `PostgreSQL ${redactUrl(opts.databaseUrl)}`, warnings: [],
      serialized: async (fn) => (await withAdvisoryLock(pool, 'setup', true, fn))!.value,
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
  return { executor, stores: createStores(executor), describe: `SQLite ${file}`, warnings, serialized: (fn) => fn() };
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
