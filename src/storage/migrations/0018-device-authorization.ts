/**
 * RFC 8628 device authorization grant: one row per device authorization request, found by the
 * hash of its device code (the device's polls) or of its user code (the verification page).
 * User codes are unique among stored rows, so a code typed in names exactly one request. Codes
 * remember the client IP that asked for them, so that those still pending can be capped per IP.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('device_codes')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('user_code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('server_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('resource', 'text')
    // pending, approved, denied, redeemed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('grant_id', 'text')
    .addColumn('auth_time', 'bigint')
    .addColumn('poll_interval', 'integer', (c) => c.notNull())
    .addColumn('last_polled_at', 'bigint')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // The client IP that asked: codes still pending are capped per IP and in all.
    .addColumn('ip', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('device_codes_expires_idx').on('device_codes').column('expires_at').execute();
  await db.schema.createIndex('device_codes_tenant_idx').on('device_codes').column('tenant_id').execute();
  await db.schema.createIndex('device_codes_ip_idx').on('device_codes').columns(['ip', 'expires_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('device_codes').ifExists().execute();
}
