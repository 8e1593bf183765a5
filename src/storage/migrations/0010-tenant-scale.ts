/**
 * Many tenants: the tenant listing searches by name prefix (ASCII case folded) through an index on
 * `lower(name)`, and deleting a tenant (or disabling a user) finds its sessions by index instead of
 * scanning every session. PostgreSQL compares tenant names byte by byte (COLLATE "C", as SQLite
 * does and as 0006 did for ids), so that a prefix is a range of that index whatever the locale.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`ALTER TABLE tenants ALTER COLUMN name TYPE text COLLATE "C"`.execute(db);
  }
  await db.schema.createIndex('tenants_name_idx').on('tenants').expression(sql`lower(name)`).execute();
  await db.schema.createIndex('sessions_tenant_idx').on('sessions').columns(['tenant_id', 'user_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sessions_tenant_idx').ifExists().execute();
  await db.schema.dropIndex('tenants_name_idx').ifExists().execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`ALTER TABLE tenants ALTER COLUMN name TYPE text COLLATE "default"`.execute(db);
  }
}
