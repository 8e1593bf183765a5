/**
 * Pushed authorization requests (RFC 9126): a client posts its authorization request first and
 * gets a short-lived `request_uri` for it. The row keeps the pushed parameters until /authorize
 * takes it (deleted then: single use) or the purge removes it once expired. Only the sha256 of
 * the request_uri is stored. Clients (and servers) may require every authorization request to
 * be pushed; existing clients do not.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s.createTable('pushed_authorization_requests')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('server_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    // The validated authorization parameters, as JSON.
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // Who pushed it: live requests are capped per IP, as anyone may push for a public client.
    .addColumn('ip', 'text', (c) => c.notNull().defaultTo(''))
    // Not to clients: a client described by a client ID metadata document has no row there.
    .addForeignKeyConstraint('pushed_authorization_requests_server_fk', ['tenant_id', 'server_id'], 'servers', ['tenant_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();
  await s.createIndex('pushed_authorization_requests_expiry_idx').on('pushed_authorization_requests').column('expires_at').execute();
  await s.createIndex('pushed_authorization_requests_ip_idx').on('pushed_authorization_requests').columns(['ip', 'expires_at']).execute();
  await s.createIndex('pushed_authorization_requests_tenant_idx').on('pushed_authorization_requests').columns(['tenant_id', 'server_id']).execute();
  await s.alterTable('clients').addColumn('require_pushed_authorization_requests', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clients').dropColumn('require_pushed_authorization_requests').execute();
  await db.schema.dropTable('pushed_authorization_requests').ifExists().execute();
}
