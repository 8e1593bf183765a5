/** RFC 8628 device codes in memory, with the SQL store's unique user code and single-step state changes. */
import type { DeviceCodeStore } from '../../../src/core/ports.js';
import type { DeviceCode } from '../../../src/core/types.js';
import { copy, type MemoryDatabase } from './database.js';

export function deviceCodeStore(db: MemoryDatabase): DeviceCodeStore {
  const t = () => db.tables.deviceCodes;
  const change = (hash: string, match: (r: DeviceCode) => boolean, update: Partial<DeviceCode>): boolean => {
    const row = t().get(hash);
    if (!row || !match(row)) return false;
    t().set(hash, { ...row, ...update });
    return true;
  };
  return {
    // As INSERT … ON CONFLICT DO NOTHING: a taken device code hash or user code hash stores nothing.
    save: (c) => db.op(() => {
      if (t().has(c.hash) || [...t().values()].some((r) => r.userCodeHash === c.userCodeHash)) return false;
      const { resources, ip, ...rest } = c;
      t().set(c.hash, copy({
        ...rest, ...(resources?.length ? { resources } : {}), ...(ip ? { ip } : {}), status: 'pending', userId: null, grantId: null, authTime: null, lastPolledAt: null,
      }));
      return true;
    }),
    find: (hash) => db.op(() => {
      const row = t().get(hash);
      return row ? copy(row) : null;
    }),
    findPending: (userCodeHash, now) => db.op(() => {
      const row = [...t().values()].find((r) => r.userCodeHash === userCodeHash && r.status === 'pending' && r.expiresAt > now);
      return row ? copy(row) : null;
    }),
    poll: (hash, previous, now, interval) => db.op(() => change(hash, (r) => r.lastPolledAt === previous, { lastPolledAt: now, interval })),
    decide: (hash, now, approval) => db.op(() => change(hash, (r) => r.status === 'pending' && r.expiresAt > now,
      approval ? { status: 'approved', ...approval } : { status: 'denied' })),
    redeem: (hash, now) => db.op(() => {
      if (!change(hash, (r) => r.status === 'approved' && r.expiresAt > now, { status: 'redeemed' })) return null;
      return copy(t().get(hash)!);
    }),
    countLive: (ip, now) => db.op(() => {
      const live = [...t().values()].filter((r) => r.expiresAt > now);
      return { ip: live.filter((r) => (r.ip ?? '') === ip).length, total: live.length };
    }),
  };
}
