/**
 * Challenge-code tokens: the PKCE challenge a token is bound to, the set of
 * challenges already used (one token per challenge, ever), and the start of a refresh-token
 * family for its absolute lifetime.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tokens').addColumn('code_challenge', 'text').execute();
  await db.schema.alterTable('tokens').addColumn('code_challenge_method', 'text').execute();
  await db.schema.alterTable('tokens').addColumn('family_started_at', 'bigint').execute();
  await db.schema.createTable('used_challenges')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('server_id', 'text', (c) => c.notNull())
    .addColumn('challenge', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('used_challenges_pk', ['tenant_id', 'server_id', 'challenge'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('used_challenges').ifExists().execute();
}
