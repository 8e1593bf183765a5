/**
 * DPoP (RFC 9449): the ids of accepted proofs (replay detection across processes), the key
 * thumbprint a code or token is bound to, and the clients that must always send a proof.
 * Existing rows are bound to nothing, and no existing client requires DPoP.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s.createTable('dpop_jtis')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('server_id', 'text', (c) => c.notNull())
    // SHA-256 of the proof's jti: a fixed length, whatever the client sent.
    .addColumn('jti_hash', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('dpop_jtis_pk', ['tenant_id', 'server_id', 'jti_hash'])
    .execute();
  await s.createIndex('dpop_jtis_expires_idx').on('dpop_jtis').column('expires_at').execute();
  await s.alterTable('authorization_codes').addColumn('dpop_jkt', 'text').execute();
  await s.alterTable('tokens').addColumn('dpop_jkt', 'text').execute();
  await s.alterTable('clients').addColumn('dpop_bound_access_tokens', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clients').dropColumn('dpop_bound_access_tokens').execute();
  await db.schema.alterTable('tokens').dropColumn('dpop_jkt').execute();
  await db.schema.alterTable('authorization_codes').dropColumn('dpop_jkt').execute();
  await db.schema.dropTable('dpop_jtis').ifExists().execute();
}
