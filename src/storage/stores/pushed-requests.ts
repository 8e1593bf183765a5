/** Pushed authorization requests (RFC 9126): saved at the PAR endpoint, taken once by /authorize. */
import type { PushedRequestStore } from '../../core/ports.js';
import type { PushedAuthorizationRequest } from '../../core/types.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import type { PushedAuthorizationRequestsTable } from '../schema.js';
import { parseJson } from './json.js';

const insertRequest = statement('pushedRequests.insert', (db) =>
  db.insertInto('pushed_authorization_requests').values({
    hash: param('hash'), tenant_id: param('tenantId'), server_id: param('serverId'), client_id: param('clientId'),
    params: param('params'), expires_at: param<number>('expiresAt'), created_at: param<number>('createdAt'), ip: param('ip'),
  }),
);
const countByIp = statement('pushedRequests.countByIp', (db) =>
  db.selectFrom('pushed_authorization_requests').select((eb) => eb.fn.countAll().as('n'))
    .where('ip', '=', param('ip')).where('expires_at', '>', param<number>('now')),
);
const countAll = statement('pushedRequests.countAll', (db) =>
  db.selectFrom('pushed_authorization_requests').select((eb) => eb.fn.countAll().as('n')).where('expires_at', '>', param<number>('now')),
);
// Single use in one statement: the row comes back only to the caller whose DELETE removed it,
// so two uses racing, in one process or two, cannot both get it (RFC 9126 §7.3). Another
// client's, or an expired, request is not matched and not removed.
const takeRequest = statement('pushedRequests.take', (db) =>
  db.deleteFrom('pushed_authorization_requests')
    .where('hash', '=', param('hash')).where('tenant_id', '=', param('tenantId'))
    .where('server_id', '=', param('serverId')).where('client_id', '=', param('clientId'))
    .where('expires_at', '>', param<number>('now'))
    .returningAll(),
);

interface StoredParams { p: Record<string, string>; r: string[] }

function toRequest(r: PushedAuthorizationRequestsTable): PushedAuthorizationRequest {
  const stored = parseJson<StoredParams>(r.params, { p: {}, r: [] });
  return {
    hash: r.hash, tenantId: r.tenant_id, serverId: r.server_id, clientId: r.client_id, params: stored.p, resources: stored.r,
    expiresAt: Number(r.expires_at), createdAt: Number(r.created_at), ...(r.ip ? { ip: r.ip } : {}),
  };
}

export function pushedRequestStore(x: SqlExecutor): PushedRequestStore {
  return {
    save: async (req) => {
      const params: StoredParams = { p: req.params, r: req.resources };
      await x.run(insertRequest, { ...req, params: JSON.stringify(params), ip: req.ip ?? '' });
    },
    take: async (tenantId, serverId, clientId, hash, now) => {
      const r = await x.first(takeRequest, { tenantId, serverId, clientId, hash, now });
      return r ? toRequest(r) : null;
    },
    countLive: async (ip, now) => {
      const [byIp, all] = await Promise.all([x.first(countByIp, { ip, now }), x.first(countAll, { now })]);
      return { ip: Number(byIp?.n ?? 0), total: Number(all?.n ?? 0) };
    },
  };
}
