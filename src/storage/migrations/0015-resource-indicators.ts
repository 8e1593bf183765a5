/**
 * Resource indicators (RFC 8707): the resources an authorization code was requested for, and
 * those a token is for (its audience), space-separated. Null, as in every existing row: none,
 * the token is for the whole server as before.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('authorization_codes').addColumn('resource', 'text').execute();
  await db.schema.alterTable('tokens').addColumn('resource', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tokens').dropColumn('resource').execute();
  await db.schema.alterTable('authorization_codes').dropColumn('resource').execute();
}
