/**
 * Statements written once with Kysely's typed builder and compiled once per dialect.
 *
 * Why not run Kysely per call: its SQLite driver compiles and prepares every query anew,
 * which alone costs more than the whole token request budget (docs/benchmarks.md). Here a
 * statement is built with named placeholders (`param('hash')`), compiled at first use, and
 * kept as a prepared statement by the executor (better-sqlite3 Statement / pg named query).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';
import type { Compilable, Kysely } from 'kysely';
import type { DB } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';
export type KyselyModule = typeof import('kysely');

/*
 * Kysely is loaded when a statement is first compiled without a precompiled text (below), not at
 * start-up: it is ~280 modules, a good part of Pixie's start-up time and memory.
 */
const require = createRequire(import.meta.url);
let kyselyModule: KyselyModule | undefined;
let builders: Record<Dialect, Kysely<DB>> | undefined;

function kysely(): KyselyModule {
  return (kyselyModule ??= require('kysely') as KyselyModule);
}

function getBuilders(): Record<Dialect, Kysely<DB>> {
  if (!builders) {
    const k = kysely();
    const builder = (dialect: Dialect) => new k.Kysely<DB>({
      dialect: {
        createAdapter: () => (dialect === 'sqlite' ? new k.SqliteAdapter() : new k.PostgresAdapter()),
        createDriver: () => new k.DummyDriver(),
        createIntrospector: (db) => (dialect === 'sqlite' ? new k.SqliteIntrospector(db) : new k.PostgresIntrospector(db)),
        createQueryCompiler: () => (dialect === 'sqlite' ? new k.SqliteQueryCompiler() : new k.PostgresQueryCompiler()),
      },
    });
    builders = { sqlite: builder('sqlite'), postgres: builder('postgres') };
  }
  return builders;
}

/** The dialect a statement is being built for, where its SQL must differ. */
export function dialectOf(db: Kysely<DB>): Dialect {
  return db === getBuilders().postgres ? 'postgres' : 'sqlite';
}

const SENTINEL = '\u0000pixie-param:';

/** A named placeholder; typed as the column's type so the builder stays type-checked. */
export function param<T = string>(name: string): T {
  return (SENTINEL + name) as unknown as T;
}

type Slot = { name: string } | { value: unknown };

export interface CompiledStatement {
  sql: string;
  slots: Slot[];
  /** Writes to configuration tables clear the read cache (see ReadCache). */
  changesConfig: boolean;
}

export interface StatementOptions {
  /**
   * Cache results this long. Only for reads of configuration (clients, secrets) that every token
   * request makes; writes through this process clear the cache at once, other processes see a
   * change within this time.
   */
  cacheSeconds?: number;
}

export type Build<R> = (db: Kysely<DB>, k: KyselyModule) => Compilable<R>;

export interface Statement<R> {
  readonly id: number;
  /** Its unique name (`tokens.consume`): the key of its precompiled SQL in dist/storage/sql.json. */
  readonly name: string;
  readonly build: Build<R>;
  readonly compiled: Partial<Record<Dialect, CompiledStatement>>;
  readonly cacheMs: number;
}

/** `area.what`, e.g. `tokens.consume`, `admin.deleteTenant.clients`. */
const NAME = /^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9_]+)+$/;

/** Every statement defined so far, by name (scripts/precompile-sql.mjs compiles them at build time). */
const REGISTRY = new Map<string, Statement<unknown>>();

/**
 * Defines a statement under a name unique in the process: a second definition of the same name
 * throws when its module loads, so two statements can never share a precompiled entry.
 */
export function statement<R>(name: string, build: Build<R>, opts: StatementOptions = {}): Statement<R> {
  if (!NAME.test(name)) throw new Error(`statement name "${name}" is not of the form area.what (e.g. tokens.consume)`);
  if (REGISTRY.has(name)) throw new Error(`statement "${name}" is defined twice: statement names must be unique`);
  const stmt: Statement<R> = { id: REGISTRY.size, name, build, compiled: {}, cacheMs: (opts.cacheSeconds ?? 0) * 1000 };
  REGISTRY.set(name, stmt);
  return stmt;
}

/** Every statement defined so far, in definition order. */
export function allStatements(): Statement<unknown>[] {
  return [...REGISTRY.values()];
}

/**
 * SQL compiled by `npm run build` (scripts/precompile-sql.mjs → dist/storage/sql.json), so that a
 * server started from dist/ needs no Kysely at all. Keyed by statement name; the build checks that
 * every entry is what the builder compiles (`staleStatements`), and so does a test
 * (test/storage/statements.test.ts), so a stale file fails there, not in production. A statement
 * with no entry (running from src/, or not built) is compiled with Kysely.
 */
export type PrecompiledSql = Record<Dialect, Record<string, CompiledStatement>>;
let precompiled: PrecompiledSql | null | undefined;

function precompiledFor(stmt: Statement<unknown>, dialect: Dialect): CompiledStatement | null {
  if (precompiled === undefined) {
    try {
      precompiled = JSON.parse(readFileSync(new URL('./sql.json', import.meta.url), 'utf8')) as PrecompiledSql;
    } catch {
      precompiled = null; // running from src/ (tests), or not built
    }
  }
  return precompiled?.[dialect]?.[stmt.name] ?? null;
}

/** Every defined statement compiled with Kysely for both dialects: what sql.json must hold. */
export function precompileAll(statements = allStatements()): PrecompiledSql {
  const out: PrecompiledSql = { sqlite: {}, postgres: {} };
  for (const stmt of statements) {
    for (const dialect of DIALECTS) out[dialect][stmt.name] = compileWithKysely(stmt, dialect);
  }
  return out;
}

/**
 * Where `file` differs from what the builders compile now, one line each: a statement missing
 * from it, an entry whose SQL or parameters differ, an entry no statement has. Empty when current.
 */
export function staleStatements(file: PrecompiledSql, statements = allStatements()): string[] {
  const now = precompileAll(statements);
  const problems: string[] = [];
  for (const dialect of DIALECTS) {
    const have = file[dialect] ?? {};
    for (const [name, compiled] of Object.entries(now[dialect])) {
      if (!(name in have)) problems.push(`${dialect} ${name}: missing`);
      else if (!isDeepStrictEqual(have[name], compiled)) problems.push(`${dialect} ${name}: differs from what its builder compiles`);
    }
    for (const name of Object.keys(have)) if (!(name in now[dialect])) problems.push(`${dialect} ${name}: no statement of this name`);
  }
  return problems;
}

const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

/** Compile with Kysely (build time, or when no precompiled text fits). */
export function compileWithKysely(stmt: Statement<unknown>, dialect: Dialect): CompiledStatement {
  const q = stmt.build(getBuilders()[dialect], kysely()).compile();
  const slots = q.parameters.map((p): Slot =>
    typeof p === 'string' && p.startsWith(SENTINEL) ? { name: p.slice(SENTINEL.length) } : { value: p },
  );
  return { sql: q.sql, slots, changesConfig: CONFIG_WRITE.test(q.sql) };
}

const CONFIG_WRITE = /^(insert into|update|delete from) "(tenants|servers|clients|client_secrets|api_keys)"/;

export function compile(stmt: Statement<unknown>, dialect: Dialect): CompiledStatement {
  let c = stmt.compiled[dialect];
  if (!c) {
    c = precompiledFor(stmt, dialect) ?? compileWithKysely(stmt, dialect);
    stmt.compiled[dialect] = c;
  }
  return c;
}

export type Params = Record<string, unknown>;

export function bind(c: CompiledStatement, params: Params): unknown[] {
  return c.slots.map((s) => {
    if ('value' in s) return s.value;
    const v = params[s.name];
    if (v === undefined) throw new Error(`statement parameter "${s.name}" missing`);
    return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  });
}

/** Runs compiled statements on one database. Implemented for better-sqlite3 and pg. */
export interface SqlExecutor {
  readonly dialect: Dialect;
  all<R>(stmt: Statement<R>, params?: Params): Promise<R[]>;
  first<R>(stmt: Statement<R>, params?: Params): Promise<R | null>;
  /** Returns the number of rows changed. */
  run(stmt: Statement<unknown>, params?: Params): Promise<number>;
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Resolves once every write made so far is durable (SQLite commits writes in groups); null if none waits. */
  sync(): Promise<void> | null;
  /** Run a background job unless another runner holds `name`; false when skipped. */
  exclusive(name: string, fn: () => Promise<void>): Promise<boolean>;
  /**
   * SQLite: writes refused so far for lack of space or by I/O errors (a counter), and whether the
   * database's file system is nearly full. /readyz reads it besides its own write, which a full
   * disk may still let through (a few pages fit in WAL space a failed commit had taken).
   */
  writeHealth?(): { failures: number; lowOnSpace: boolean };
  /** Connection pool counters, where there is a pool (PostgreSQL). */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

/**
 * Results of cacheable statements, keyed by statement and parameters.
 *
 * Safe within the process: a configuration write clears the cache and suspends caching until
 * its transaction commits (reads meanwhile may see uncommitted rows: they are served, never
 * kept); a rollback clears again. A generation counter stops a read that was in flight across a
 * write from storing what it read.
 */
export class ReadCache {
  private readonly entries = new Map<string, { value: unknown; until: number }>();
  private generation = 0;
  private suspended = false;

  get<T>(stmt: Statement<unknown>, params: Params, load: () => T): T {
    if (this.suspended) return load();
    const key = `${stmt.id}|${JSON.stringify(params)}`;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value as T;
    const generation = this.generation;
    const value = load();
    const keep = () => {
      if (generation !== this.generation || this.suspended) return;
      if (this.entries.size > 10_000) this.entries.clear();
      this.entries.set(key, { value, until: now + stmt.cacheMs });
    };
    if (value instanceof Promise) value.then(keep, () => {});
    else keep();
    return value;
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  /** Called for every write statement, before it runs. */
  written(c: CompiledStatement, inTransaction = true): void {
    if (!c.changesConfig) return;
    this.clear();
    if (inTransaction) this.suspended = true;
  }

  /** The transaction holding configuration writes committed: cache again from now on. */
  committed(): void {
    if (!this.suspended) return;
    this.suspended = false;
    this.clear();
  }

  rolledBack(): void {
    this.suspended = false;
    this.clear();
  }
}
