/**
 * Token lookups by code, family and grant only ever ask for a value, never for NULL, so those
 * indexes skip the rows without one (client_credentials tokens have none of the three). Every
 * index entry is one more B-tree page written per token; dropping the NULL ones makes token
 * issuance cheaper (docs/benchmarks.md). Both SQLite and PostgreSQL use a partial index
 * `WHERE col IS NOT NULL` for `col = ?`.
 */
import type { Kysely } from 'kysely';

const INDEXES = [
  ['tokens_code_idx', 'code_hash'],
  ['tokens_family_idx', 'family_id'],
  ['tokens_grant_idx', 'grant_id'],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [name, column] of INDEXES) {
    await db.schema.dropIndex(name).ifExists().execute();
    await db.schema.createIndex(name).on('tokens').column(column).where(column, 'is not', null).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [name, column] of INDEXES) {
    await db.schema.dropIndex(name).ifExists().execute();
    await db.schema.createIndex(name).on('tokens').column(column).execute();
  }
}
