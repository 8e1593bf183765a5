/** RFC 8628 device codes. Every change of state is one conditional UPDATE, so processes agree on it. */
import type { DeviceCodeStore } from '../../core/ports.js';
import type { DeviceCode } from '../../core/types.js';
import { decodeResources, encodeResources } from '../../core/resource.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import type { DeviceCodesTable } from '../schema.js';

// A user code already stored makes the insert a no-op (0 rows): the caller draws another.
const insertDeviceCode = statement('deviceCodes.insert', (db) =>
  db.insertInto('device_codes').values({
    hash: param('hash'), user_code_hash: param('userCodeHash'), tenant_id: param('tenantId'), server_id: param('serverId'),
    client_id: param('clientId'), scope: param('scope'), resource: param<string | null>('resource'), status: 'pending',
    user_id: null, grant_id: null, auth_time: null, poll_interval: param<number>('interval'), last_polled_at: null,
    expires_at: param<number>('expiresAt'), created_at: param<number>('createdAt'), ip: param('ip'),
  }).onConflict((oc) => oc.doNothing()),
);
const findDeviceCode = statement('deviceCodes.find', (db) => db.selectFrom('device_codes').selectAll().where('hash', '=', param('hash')));
const findPending = statement('deviceCodes.findPending', (db) =>
  db.selectFrom('device_codes').selectAll()
    .where('user_code_hash', '=', param('userCodeHash')).where('status', '=', 'pending').where('expires_at', '>', param<number>('now')),
);
// Compare-and-set on last_polled_at (-1 stands for "never polled", which NULL cannot be compared with).
const pollDeviceCode = statement('deviceCodes.poll', (db) =>
  db.updateTable('device_codes').set({ last_polled_at: param<number>('now'), poll_interval: param<number>('interval') })
    .where('hash', '=', param('hash'))
    .where((eb) => eb.fn.coalesce('last_polled_at', eb.lit(-1)), '=', param<number>('previous')),
);
const approveDeviceCode = statement('deviceCodes.approve', (db) =>
  db.updateTable('device_codes')
    .set({ status: 'approved', user_id: param('userId'), grant_id: param('grantId'), auth_time: param<number>('authTime') })
    .where('hash', '=', param('hash')).where('status', '=', 'pending').where('expires_at', '>', param<number>('now')),
);
const denyDeviceCode = statement('deviceCodes.deny', (db) =>
  db.updateTable('device_codes').set({ status: 'denied' })
    .where('hash', '=', param('hash')).where('status', '=', 'pending').where('expires_at', '>', param<number>('now')),
);
// Exactly one caller gets the row back: the one whose UPDATE flipped approved to redeemed.
const redeemDeviceCode = statement('deviceCodes.redeem', (db) =>
  db.updateTable('device_codes').set({ status: 'redeemed' })
    .where('hash', '=', param('hash')).where('status', '=', 'approved').where('expires_at', '>', param<number>('now'))
    .returningAll(),
);

const countByIp = statement('deviceCodes.countByIp', (db) =>
  db.selectFrom('device_codes').select((eb) => eb.fn.countAll().as('n'))
    .where('ip', '=', param('ip')).where('expires_at', '>', param<number>('now')),
);
const countAll = statement('deviceCodes.countAll', (db) =>
  db.selectFrom('device_codes').select((eb) => eb.fn.countAll().as('n')).where('expires_at', '>', param<number>('now')),
);

function toDeviceCode(r: DeviceCodesTable): DeviceCode {
  return {
    hash: r.hash, userCodeHash: r.user_code_hash, tenantId: r.tenant_id, serverId: r.server_id, clientId: r.client_id, scope: r.scope,
    ...(r.resource ? { resources: decodeResources(r.resource) } : {}),
    status: r.status as DeviceCode['status'], userId: r.user_id, grantId: r.grant_id,
    authTime: r.auth_time === null ? null : Number(r.auth_time), interval: Number(r.poll_interval),
    lastPolledAt: r.last_polled_at === null ? null : Number(r.last_polled_at), expiresAt: Number(r.expires_at), createdAt: Number(r.created_at),
    ...(r.ip ? { ip: r.ip } : {}),
  };
}

export function deviceCodeStore(x: SqlExecutor): DeviceCodeStore {
  return {
    save: async (c) => (await x.run(insertDeviceCode, { ...c, resource: encodeResources(c.resources), ip: c.ip ?? '' })) === 1,
    find: async (hash) => {
      const r = await x.first(findDeviceCode, { hash });
      return r ? toDeviceCode(r) : null;
    },
    findPending: async (userCodeHash, now) => {
      const r = await x.first(findPending, { userCodeHash, now });
      return r ? toDeviceCode(r) : null;
    },
    poll: async (hash, previous, now, interval) => (await x.run(pollDeviceCode, { hash, previous: previous ?? -1, now, interval })) === 1,
    decide: async (hash, now, approval) => (approval
      ? await x.run(approveDeviceCode, { hash, now, ...approval })
      : await x.run(denyDeviceCode, { hash, now })) === 1,
    redeem: async (hash, now) => {
      const r = await x.first(redeemDeviceCode, { hash, now });
      return r ? toDeviceCode(r) : null;
    },
    countLive: async (ip, now) => {
      const [byIp, all] = await Promise.all([x.first(countByIp, { ip, now }), x.first(countAll, { now })]);
      return { ip: Number(byIp?.n ?? 0), total: Number(all?.n ?? 0) };
    },
  };
}
