/**
 * PostgreSQL only: compare the text columns that order listings and keyset pages byte by
 * byte (COLLATE "C"), as SQLite does. Otherwise the order, and so what "after X" means for a
 * page, would depend on the database's locale (en_US sorts 'alice' before 'Bob', C does not).
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

const COLUMNS: [table: string, column: string][] = [
  ['tenants', 'id'], ['servers', 'id'], ['clients', 'server_id'], ['clients', 'client_id'], ['users', 'username'],
  ['grants', 'id'], ['tokens', 'hash'], ['audit_log', 'id'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  for (const [table, column] of COLUMNS) {
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN ${sql.ref(column)} TYPE text COLLATE "C"`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  for (const [table, column] of COLUMNS) {
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN ${sql.ref(column)} TYPE text COLLATE "default"`.execute(db);
  }
}
