/** Pushed authorization requests (RFC 9126) in memory, as storage/stores/pushed-requests.ts keeps them. */
import type { PushedRequestStore } from '../../../src/core/ports.js';
import { copy, type MemoryDatabase } from './database.js';

export function pushedRequestStore(db: MemoryDatabase): PushedRequestStore {
  const t = () => db.tables.pushedRequests;
  return {
    save: (req) => db.op(() => {
      db.requireServer('pushed_authorization_requests', req.tenantId, req.serverId);
      db.insert('pushedRequests', req.hash, copy(req));
    }),
    // One step, as the SQL DELETE … RETURNING: exactly one caller gets the row.
    take: (tenantId, serverId, clientId, hash, now) => db.op(() => {
      const row = t().get(hash);
      if (!row || row.tenantId !== tenantId || row.serverId !== serverId || row.clientId !== clientId || row.expiresAt <= now) return null;
      t().delete(hash);
      return copy(row);
    }),
    countLive: (ip, now) => db.op(() => {
      const live = [...t().values()].filter((r) => r.expiresAt > now);
      return { ip: live.filter((r) => (r.ip ?? '') === ip).length, total: live.length };
    }),
  };
}
