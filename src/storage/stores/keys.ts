import type { SigningKeyStore, StoredSigningKey } from '../../core/ports.js';
import type { SigningAlg } from '../../crypto/keys.js';
import { encryptedWith, SecretsKeyError, unknownKeyMessage, type SecretsKeyring } from '../../crypto/secrets-key.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import type { SigningKeysTable } from '../schema.js';
import { parseJson } from './json.js';

const listPublished = statement('signingKeys.listPublished', (db) =>
  db.selectFrom('signing_keys').selectAll()
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId'))
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', param<number>('now'))]))
    // kid breaks ties so that every process picks the same signing key after a concurrent rotation.
    .orderBy('created_at', 'desc').orderBy('kid', 'desc'),
);
const insertKey = statement('signingKeys.insert', (db) =>
  db.insertInto('signing_keys').values({
    tenant_id: param('tenantId'), server_id: param('serverId'), kid: param('kid'), alg: param('alg'),
    private_jwk: param('privateJwk'), public_jwk: param('publicJwk'), created_at: param<number>('createdAt'),
    retired_at: param<number | null>('retiredAt'), expires_at: param<number | null>('expiresAt'),
  }),
);
const retireKey = statement('signingKeys.retire', (db) =>
  db.updateTable('signing_keys')
    .set({ retired_at: param<number>('retiredAt'), expires_at: param<number>('expiresAt') })
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId')).where('kid', '=', param('kid')),
);

/** What a private key is bound to when encrypted: its row (a value copied to another row does not open). */
const rowContext = (tenantId: string, serverId: string, kid: string) => `signing_keys\0${tenantId}\0${serverId}\0${kid}`;

export function toKey(r: SigningKeysTable, keyring: SecretsKeyring): StoredSigningKey {
  const privateJwk = keyring.open(r.private_jwk, rowContext(r.tenant_id, r.server_id, r.kid));
  return {
    kid: r.kid, alg: r.alg as SigningAlg, privateJwk: parseJson(privateJwk, {}), publicJwk: parseJson(r.public_jwk, {} as never),
    createdAt: r.created_at, retiredAt: r.retired_at, expiresAt: r.expires_at,
  };
}

export function signingKeyStore(x: SqlExecutor, keyring: SecretsKeyring): SigningKeyStore {
  return {
    listPublished: async (tenantId, serverId, now) => (await x.all(listPublished, { tenantId, serverId, now })).map((r) => toKey(r, keyring)),
    insert: async (tenantId, serverId, k) => {
      await x.run(insertKey, {
        tenantId, serverId, kid: k.kid, alg: k.alg, privateJwk: keyring.seal(JSON.stringify(k.privateJwk), rowContext(tenantId, serverId, k.kid)),
        publicJwk: JSON.stringify(k.publicJwk), createdAt: k.createdAt, retiredAt: k.retiredAt, expiresAt: k.expiresAt,
      });
    },
    retire: async (tenantId, serverId, kid, retiredAt, expiresAt) => {
      await x.run(retireKey, { tenantId, serverId, kid, retiredAt, expiresAt });
    },
  };
}

// Re-encryption: rows whose private key is not written as the keyring writes now (plaintext of an
// older release, or under an older secrets key). The first 16 characters are `enc:v1:<id>:`.
const PREFIX_LENGTH = 16;
/** A page of them in primary-key order, after the row (t, s, k): each page starts where the last ended. */
const staleRows = statement('signingKeys.staleRows', (db) =>
  db.selectFrom('signing_keys').select(['tenant_id', 'server_id', 'kid', 'private_jwk'])
    .where((eb) => eb.or([
      eb('tenant_id', '>', param('t')),
      eb.and([eb('tenant_id', '=', param('t')), eb.or([
        eb('server_id', '>', param('s')),
        eb.and([eb('server_id', '=', param('s')), eb('kid', '>', param('k'))]),
      ])]),
    ]))
    .where((eb) => eb(eb.fn<string>('substr', ['private_jwk', eb.lit(1), eb.lit(PREFIX_LENGTH)]), '<>', param('prefix')))
    .orderBy('tenant_id').orderBy('server_id').orderBy('kid').limit(param<number>('limit')),
);
const encryptedRows = statement('signingKeys.anyEncrypted', (db) =>
  db.selectFrom('signing_keys').select(['tenant_id', 'server_id', 'kid', 'private_jwk'])
    .where((eb) => eb(eb.fn<string>('substr', ['private_jwk', eb.lit(1), eb.lit(4)]), '=', 'enc:')).limit(1),
);
const rewriteKey = statement('signingKeys.rewrite', (db) =>
  db.updateTable('signing_keys').set({ private_jwk: param('next') })
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId')).where('kid', '=', param('kid'))
    .where('private_jwk', '=', param('previous')),
);

const PAGE = 500;

/** The id of a secrets key some stored private key is encrypted with, or null when none is encrypted. */
export async function encryptedKeyInUse(x: SqlExecutor): Promise<string | null> {
  const row = await x.first(encryptedRows, {});
  return row ? encryptedWith(row.private_jwk) : null;
}

/**
 * Brings every stored private key to the keyring's current key (start-up, `pixie secrets-key
 * rotate`): plaintext rows and rows under an older key are re-encrypted, page by page, each row
 * only if nobody changed it meanwhile. A row under a key the keyring does not hold stops it with
 * a plain error before anything is written: keys must never be lost or silently replaced.
 * Returns the number of rows rewritten. With no key configured, fails if any row is encrypted.
 */
export async function reencryptSigningKeys(x: SqlExecutor, keyring: SecretsKeyring, transaction: <T>(fn: () => Promise<T>) => Promise<T>): Promise<number> {
  const prefix = keyring.currentPrefix;
  if (!prefix) {
    const id = await encryptedKeyInUse(x);
    if (id) throw new SecretsKeyError(unknownKeyMessage(id, []));
    return 0;
  }
  let rewritten = 0;
  let after = { t: '', s: '', k: '' };
  for (;;) {
    const rows = await x.all(staleRows, { prefix, limit: PAGE, ...after });
    if (!rows.length) return rewritten;
    const last = rows[rows.length - 1];
    after = { t: last.tenant_id, s: last.server_id, k: last.kid };
    for (const r of rows) {
      const id = encryptedWith(r.private_jwk);
      if (id !== null && !keyring.ids.includes(id)) throw new SecretsKeyError(unknownKeyMessage(id, keyring.ids));
    }
    await transaction(async () => {
      for (const r of rows) {
        const context = rowContext(r.tenant_id, r.server_id, r.kid);
        const next = keyring.seal(keyring.open(r.private_jwk, context), context);
        rewritten += await x.run(rewriteKey, { tenantId: r.tenant_id, serverId: r.server_id, kid: r.kid, previous: r.private_jwk, next });
      }
    });
  }
}
