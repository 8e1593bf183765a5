/**
 * A replayed authorization code is marked, so that an exchange of the same code still in
 * progress revokes what it issues (RFC 6749 §4.1.2) even when the replay came first.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('authorization_codes').addColumn('replayed_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('authorization_codes').dropColumn('replayed_at').execute();
}
