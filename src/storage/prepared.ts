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

const SENTINEL = '\u0000pixie-param:';

/** A named placeholder; typed as the column's type so the builder stays type-checked. */
export function param<T = string>(name: string): T {
  return (SENTINEL + name) as unknown as T;
}

type Slot = { name: string } | { value: unknown };

export interface CompiledStatement {
  sql: string;
  slots: Slot[];
}

export interface Statement<R> {
  readonly id: number;
  readonly build: (db: Kysely<DB>) => Compilable<R>;
  readonly compiled: Partial<Record<Dialect, CompiledStatement>>;
}

let nextId = 0;

export function statement<R>(build: (db: Kysely<DB>) => Compilable<R>): Statement<R> {
  return { id: nextId++, build, compiled: {} };
}

export function compile(stmt: Statement<unknown>, dialect: Dialect): CompiledStatement {
  let c = stmt.compiled[dialect];
  if (!c) {
    const q = stmt.build(builders[dialect]).compile();
    const slots = q.parameters.map((p): Slot =>
      typeof p === 'string' && p.startsWith(SENTINEL) ? { name: p.slice(SENTINEL.length) } : { value: p },
    );
    c = { sql: q.sql, slots };
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
  /** Run a background job unless another runner holds `name`; false when skipped. */
  exclusive(name: string, fn: () => Promise<void>): Promise<boolean>;
  /** Connection pool counters, where there is a pool (PostgreSQL). */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}
