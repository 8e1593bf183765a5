/**
 * PostgreSQL for tests: each run gets a fresh schema in PIXIE_TEST_DATABASE_URL, selected with
 * the connection option `-c search_path=…`, and dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';

export const PG_URL = process.env.PIXIE_TEST_DATABASE_URL || null;
/** Why PostgreSQL tests do not run, or false when they do. */
export const PG_SKIP: string | false = PG_URL ? false : 'PIXIE_TEST_DATABASE_URL not set';

/**
 * `describe`, skipped with a reason when `skip` is set. A skipped suite is not counted in the
 * runner's summary (Node 20), so it then holds one skipped test: the summary's "skipped" says
 * how many PostgreSQL suites did not run.
 */
export function describeUnless(skip: string | false, name: string, fn: () => void): void {
  if (!skip) describe(name, fn);
  else describe(name, () => { it(`skipped: ${skip}`, { skip }, () => {}); });
}

export interface TestSchema {
  name: string;
  /** The database URL with search_path set to the schema. */
  url: string;
  drop(): Promise<void>;
}

export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export async function createTestSchema(): Promise<TestSchema> {
  if (!PG_URL) throw new Error('PIXIE_TEST_DATABASE_URL not set');
  const name = `pixie_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withSearchPath(PG_URL, name),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

/** The storage backends a process-level test runs against: SQLite always, PostgreSQL when configured. */
export const BACKENDS: { name: string; skip: string | false; env: () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> }[] = [
  { name: 'SQLite', skip: false, env: async () => ({ env: {}, cleanup: async () => {} }) },
  {
    name: 'PostgreSQL', skip: PG_SKIP,
    env: async () => {
      const schema = await createTestSchema();
      return { env: { DATABASE_URL: schema.url }, cleanup: () => schema.drop() };
    },
  },
];
