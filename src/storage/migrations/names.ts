/**
 * The migrations, in order. Kept apart from their code so that a restart can check, without
 * loading Kysely or the migrations, that the database has them all (storage/database.ts).
 * A new migration goes here and in ./index.ts (which checks the two agree).
 */
export const MIGRATION_NAMES = [
  '0001-init',
  '0002-login-attempts',
  '0003-token-binding',
  '0004-portal',
  '0005-admin',
  '0006-pg-byte-order',
  '0007-partial-token-indexes',
  '0008-code-replay',
  '0009-client-metadata',
  '0010-tenant-scale',
  '0011-hostile-traffic',
  '0012-cookie-keys',
  '0013-heartbeat',
  '0014-client-registration',
  '0015-resource-indicators',
  '0016-dpop',
  '0017-par',
  '0018-device-authorization',
] as const;
