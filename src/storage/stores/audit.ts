/** The admin audit log: append-only, read newest first. */
import type { AuditEntry, AuditStore } from '../../core/ports.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import type { AuditLogTable } from '../schema.js';
import { parseJson } from './json.js';

const insert = statement('audit.insert', (db) =>
  db.insertInto('audit_log').values({
    id: param('id'), tenant_id: param('tenantId'), actor_tenant_id: param<string | null>('actorTenantId'),
    actor_client_id: param('actorClientId'), action: param('action'), target: param('target'),
    details: param('details'), created_at: param<number>('createdAt'),
  }),
);
const list = statement('audit.list', (db) =>
  db.selectFrom('audit_log').selectAll().where('tenant_id', '=', param('tenantId'))
    .where((eb) => eb.or([
      eb('created_at', '<', param<number>('beforeAt')),
      eb.and([eb('created_at', '=', param<number>('beforeAt')), eb('id', '<', param('beforeId'))]),
    ]))
    .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(param<number>('limit')),
);

function toEntry(r: AuditLogTable): AuditEntry {
  return {
    id: r.id, tenantId: r.tenant_id, actorTenantId: r.actor_tenant_id, actorClientId: r.actor_client_id,
    action: r.action, target: r.target, details: parseJson(r.details, {}), createdAt: r.created_at,
  };
}

export function auditStore(x: SqlExecutor): AuditStore {
  return {
    append: async (e) => { await x.run(insert, { ...e, details: JSON.stringify(e.details) }); },
    list: async (tenantId, before, limit) =>
      (await x.all(list, { tenantId, beforeAt: before.createdAt, beforeId: before.id, limit })).map(toEntry),
  };
}
