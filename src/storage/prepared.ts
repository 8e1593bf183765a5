/**
 * Statements written once with Kysely's typed builder and compiled once per dialect.
 *
 * Why not run Kysely per call: its SQLite driver compiles and prepares every query anew,
 * which alone costs more than the whole token request budget (docs/benchmarks.md). Here a
 * statement is built with named placeholders (`param('hash')`), compiled at first use, and
 * kept as a prepared statement by the executor (better-sqlite3 Statement / pg named query).
 */
import {
  DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler,
  SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type Compilable,
} from 'kysely';
import type { DB } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

const builders: Record<Dialect, Kysely<DB>> = {
  sqlite: new Kysely<DB>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  }),
  postgres: new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  }),
};

/** The dialect a statement is being built for, where its SQL must differ. */
export function dialectOf(db: Kysely<DB>): Dialect {
  return db === builders.postgres ? 'postgres' : 'sqlite';
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

export interface Statement<R> {
  readonly id: number;
  readonly build: (db: Kysely<DB>) => Compilable<R>;
  readonly compiled: Partial<Record<Dialect, CompiledStatement>>;
  readonly cacheMs: number;
}

let nextId = 0;

export function statement<R>(build: (db: Kysely<DB>) => Compilable<R>, opts: StatementOptions = {}): Statement<R> {
  return { id: nextId++, build, compiled: {}, cacheMs: (opts.cacheSeconds ?? 0) * 1000 };
}

const CONFIG_WRITE = /^(insert into|update|delete from) "(tenants|servers|clients|client_secrets|api_keys)"/;

export function compile(stmt: Statement<unknown>, dialect: Dialect): CompiledStatement {
  let c = stmt.compiled[dialect];
  if (!c) {
    const q = stmt.build(builders[dialect]).compile();
    const slots = q.parameters.map((p): Slot =>
      typeof p === 'string' && p.startsWith(SENTINEL) ? { name: p.slice(SENTINEL.length) } : { value: p },
    );
    c = { sql: q.sql, slots, changesConfig: CONFIG_WRITE.test(q.sql) };
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
