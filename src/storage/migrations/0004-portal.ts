/** Developer portal: per-app PKCE requirement and non-web redirect, and the indexes its pages read by. */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One column per ALTER: SQLite adds a single column per statement.
  await db.schema.alterTable('clients').addColumn('require_pkce', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('clients').addColumn('non_web_redirect', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('clients_owner_idx').on('clients').columns(['tenant_id', 'owner_user_id']).execute();
  await db.schema.createIndex('grants_user_idx').on('grants').columns(['tenant_id', 'user_id']).execute();
  await db.schema.createIndex('tokens_client_idx').on('tokens').columns(['tenant_id', 'server_id', 'client_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('tokens_client_idx').ifExists().execute();
  await db.schema.dropIndex('grants_user_idx').ifExists().execute();
  await db.schema.dropIndex('clients_owner_idx').ifExists().execute();
  await db.schema.alterTable('clients').dropColumn('non_web_redirect').execute();
  await db.schema.alterTable('clients').dropColumn('require_pkce').execute();
}
