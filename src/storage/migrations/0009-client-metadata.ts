/**
 * Client metadata for browser apps and relying parties: CORS origins, post-logout redirect
 * URIs and the ID token's alg. Existing clients get RS256, the OIDC default.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clients').addColumn('allowed_origins', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('clients').addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('clients').addColumn('id_token_signed_response_alg', 'text', (c) => c.notNull().defaultTo('RS256')).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['id_token_signed_response_alg', 'post_logout_redirect_uris', 'allowed_origins']) {
    await db.schema.alterTable('clients').dropColumn(column).execute();
  }
}
