/** The ids of accepted DPoP proofs (RFC 9449 §11.1): one INSERT decides, in every process. */
import type { DpopJtiStore } from '../../core/ports.js';
import { param, statement, type SqlExecutor } from '../prepared.js';

const useJti = statement('dpopJtis.use', (db) =>
  db.insertInto('dpop_jtis')
    .values({ tenant_id: param('tenantId'), server_id: param('serverId'), jti_hash: param('jtiHash'), expires_at: param<number>('expiresAt') })
    .onConflict((oc) => oc.doNothing()),
);

export function dpopJtiStore(x: SqlExecutor): DpopJtiStore {
  return {
    use: async (tenantId, serverId, jtiHash, expiresAt) => (await x.run(useJti, { tenantId, serverId, jtiHash, expiresAt })) === 1,
  };
}
