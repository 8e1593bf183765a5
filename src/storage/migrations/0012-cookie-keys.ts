/**
 * The server's own key for what it signs in browser cookies (CSRF tokens bound to the session,
 * device cookies that let an owner sign in while the account is locked). Made on first need.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('cookie_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('cookie_keys').ifExists().execute();
}
