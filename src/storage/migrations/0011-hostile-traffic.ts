/**
 * Pending sign-ins are counted per client IP and in total (a cap protects the disk from
 * anonymous /authorize floods); codes remember whether the authorization request carried
 * redirect_uri, which the token request must then repeat (RFC 6749 §4.1.3).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s.alterTable('interactions').addColumn('ip', 'text', (c) => c.notNull().defaultTo('')).execute();
  await s.createIndex('interactions_ip_idx').on('interactions').columns(['ip', 'expires_at']).execute();
  await s.createIndex('interactions_expires_idx').on('interactions').column('expires_at').execute();
  await s.alterTable('authorization_codes').addColumn('redirect_uri_given', 'integer', (c) => c.notNull().defaultTo(1)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('interactions_expires_idx').execute();
  await db.schema.dropIndex('interactions_ip_idx').execute();
  await db.schema.alterTable('interactions').dropColumn('ip').execute();
  await db.schema.alterTable('authorization_codes').dropColumn('redirect_uri_given').execute();
}
