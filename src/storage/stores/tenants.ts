import type { ServerStore, TenantStore } from '../../core/ports.js';
import type { AuthorizationServer, ServerSettings } from '../../core/types.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import type { ServersTable } from '../schema.js';
import { parseJson } from './json.js';

const getTenant = statement('tenants.get', (db) => db.selectFrom('tenants').select(['id', 'name']).where('id', '=', param('id')));
const listTenants = statement('tenants.list', (db) => db.selectFrom('tenants').select(['id', 'name']).orderBy('id'));
const upsertTenant = statement('tenants.upsert', (db) =>
  db.insertInto('tenants')
    .values({ id: param('id'), name: param('name'), created_at: param<number>('now') })
    .onConflict((oc) => oc.column('id').doUpdateSet({ name: param('name') })),
);

export function tenantStore(x: SqlExecutor): TenantStore {
  return {
    get: (id) => x.first(getTenant, { id }),
    list: () => x.all(listTenants),
    upsert: async (t, now) => { await x.run(upsertTenant, { id: t.id, name: t.name, now }); },
  };
}

const getServer = statement('servers.get', (db) =>
  db.selectFrom('servers').selectAll().where('tenant_id', '=', param('tenantId')).where('id', '=', param('id')),
);
const listServers = statement('servers.list', (db) =>
  db.selectFrom('servers').selectAll().where('tenant_id', '=', param('tenantId')).orderBy('id'),
);
const listFirstServers = statement('servers.listFirst', (db) =>
  db.selectFrom('servers').select(['tenant_id', 'id']).where('tenant_id', '<>', param('exceptTenant'))
    .orderBy('tenant_id').orderBy('id').limit(param<number>('limit')),
);
const upsertServer = statement('servers.upsert', (db) =>
  db.insertInto('servers')
    .values({
      tenant_id: param('tenantId'), id: param('id'), settings: param('settings'), scopes: param('scopes'),
      created_at: param<number>('now'), updated_at: param<number>('now'),
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'id'])
      .doUpdateSet({ settings: param('settings'), scopes: param('scopes'), updated_at: param<number>('now') })),
);

export function toServer(row: ServersTable): AuthorizationServer {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    settings: parseJson<ServerSettings>(row.settings, {} as ServerSettings),
    customScopes: parseJson(row.scopes, []),
  };
}

export function serverStore(x: SqlExecutor): ServerStore {
  return {
    get: async (tenantId, id) => {
      const row = await x.first(getServer, { tenantId, id });
      return row ? toServer(row) : null;
    },
    list: async (tenantId) => (await x.all(listServers, { tenantId })).map(toServer),
    listFirst: async (limit, exceptTenant) =>
      (await x.all(listFirstServers, { limit, exceptTenant })).map((r) => ({ tenantId: r.tenant_id, id: r.id })),
    upsert: async (s, now) => {
      await x.run(upsertServer, {
        tenantId: s.tenantId, id: s.id, settings: JSON.stringify(s.settings), scopes: JSON.stringify(s.customScopes), now,
      });
    },
  };
}
