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
  readonly build: Build<R>;
  readonly compiled: Partial<Record<Dialect, CompiledStatement>>;
  readonly cacheMs: number;
  /** Where it was created (`dist/storage/stores/tokens.js:12:20#0`): its key in the precompiled SQL. */
  readonly site: string;
}

let nextId = 0;
/** Every statement created so far (scripts/precompile-sql.mjs compiles them at build time). */
export const ALL_STATEMENTS: Statement<unknown>[] = [];
const sites = new Map<string, number>();

/** The package root (this file is src/storage/ or dist/storage/): sites are relative to it. */
const ROOT = new URL('../../', import.meta.url).href;

function creationSite(): string {
  const frame = new Error().stack?.split('\n')[3] ?? '';
  const at = frame.indexOf(ROOT);
  const where = at >= 0 ? frame.slice(at + ROOT.length).replace(/\)$/, '') : frame.trim();
  // Statements made in a loop share a frame: the n-th one made there is `#n`.
  const n = sites.get(where) ?? 0;
  sites.set(where, n + 1);
  return `${where}#${n}`;
}

export function statement<R>(build: Build<R>, opts: StatementOptions = {}): Statement<R> {
  const stmt: Statement<R> = { id: nextId++, build, compiled: {}, cacheMs: (opts.cacheSeconds ?? 0) * 1000, site: creationSite() };
  ALL_STATEMENTS.push(stmt);
  return stmt;
}

/**
 * SQL compiled by `npm run build` (scripts/precompile-sql.mjs → dist/storage/sql.json), so that a
 * server started from dist/ needs no Kysely at all. An entry counts only when the builder's source
 * text is still the one it was compiled from; anything else is compiled with Kysely as before.
 */
interface Precompiled { source: string; compiled: CompiledStatement }
let precompiled: Partial<Record<Dialect, Record<string, Precompiled>>> | null | undefined;

function precompiledFor(stmt: Statement<unknown>, dialect: Dialect): CompiledStatement | null {
  if (precompiled === undefined) {
    try {
      precompiled = JSON.parse(readFileSync(new URL('./sql.json', import.meta.url), 'utf8')) as typeof precompiled;
    } catch {
      precompiled = null; // running from src/ (tests), or not built
    }
  }
  const entry = precompiled?.[dialect]?.[stmt.site];
  return entry && entry.source === stmt.build.toString() ? entry.compiled : null;
}

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
