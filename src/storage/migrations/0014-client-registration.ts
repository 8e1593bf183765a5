/**
 * Dynamic client registration (RFC 7591/7592): clients remember that they registered
 * themselves, the hash of their registration access token and when they expire unused;
 * initial access tokens made by administrators live in their own table, stored hashed.
 * Existing clients are not dynamic and never expire.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s.alterTable('clients').addColumn('dynamic', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await s.alterTable('clients').addColumn('registration_token_hash', 'text').execute();
  await s.alterTable('clients').addColumn('idle_expires_at', 'bigint').execute();
  // RFC 7591 metadata Pixie shows but does not act on (client_uri, logo_uri, contacts, …), as JSON.
  await s.alterTable('clients').addColumn('registration_metadata', 'text', (c) => c.notNull().defaultTo('{}')).execute();
  await s.createIndex('clients_dynamic_idx').on('clients').columns(['tenant_id', 'server_id', 'dynamic']).execute();
  await s.createIndex('clients_idle_idx').on('clients').column('idle_expires_at').execute();
  await s.createTable('registration_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('server_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('display_prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('max_uses', 'integer', (c) => c.notNull())
    .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revoked_at', 'bigint')
    .addForeignKeyConstraint('registration_tokens_server_fk', ['tenant_id', 'server_id'], 'servers', ['tenant_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();
  await s.createIndex('registration_tokens_server_idx').on('registration_tokens').columns(['tenant_id', 'server_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('registration_tokens').ifExists().execute();
  await db.schema.dropIndex('clients_idle_idx').ifExists().execute();
  await db.schema.dropIndex('clients_dynamic_idx').ifExists().execute();
  for (const column of ['registration_metadata', 'idle_expires_at', 'registration_token_hash', 'dynamic']) {
    await db.schema.alterTable('clients').dropColumn(column).execute();
  }
}
