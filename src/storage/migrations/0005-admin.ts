/** The admin API: an audit log of every change, and indexes for per-tenant listings. */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s.createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('actor_tenant_id', 'text')
    .addColumn('actor_client_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('audit_log_tenant_idx').on('audit_log').columns(['tenant_id', 'created_at']).execute();
  await s.createIndex('tokens_tenant_idx').on('tokens').columns(['tenant_id', 'created_at']).execute();
  await s.createIndex('grants_tenant_idx').on('grants').columns(['tenant_id', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('grants_tenant_idx').ifExists().execute();
  await db.schema.dropIndex('tokens_tenant_idx').ifExists().execute();
  await db.schema.dropTable('audit_log').ifExists().execute();
}
