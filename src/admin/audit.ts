/** The audit log of admin changes: who, what, when — never a secret. */
import type { CoreDeps } from '../core/deps.js';
import { randomId } from '../crypto/random.js';
import { decodeCursor, page, type Page } from './pagination.js';

/** Who makes a change: an admin client, or the operator at the `pixie admin` command line. */
export interface Actor {
  tenantId: string | null;
  clientId: string;
}

export const CLI_ACTOR: Actor = { tenantId: null, clientId: 'pixie-admin-cli' };

/** `details` carries ids, names and the names of changed fields; callers never pass secret values. */
export async function recordChange(
  deps: CoreDeps, actor: Actor, tenantId: string, action: string, target: string, details: Record<string, unknown> = {},
): Promise<void> {
  await deps.stores.audit.append({
    id: randomId(), tenantId, actorTenantId: actor.tenantId, actorClientId: actor.clientId, action, target, details,
    createdAt: deps.clock.now(),
  });
}

export interface AuditView {
  id: string;
  actor: { tenant_id: string | null; client_id: string };
  action: string;
  target: string;
  details: Record<string, unknown>;
  created_at: number;
}

export async function listAuditLog(deps: CoreDeps, tenantId: string, q: { limit?: number | string; cursor?: string }): Promise<Page<AuditView>> {
  const [createdAt, id] = decodeCursor(q.cursor, [Number.MAX_SAFE_INTEGER, '\uffff']);
  return page(q.limit, (n) => deps.stores.audit.list(tenantId, { createdAt, id }, n), (e) => [e.createdAt, e.id], (e) => ({
    id: e.id, actor: { tenant_id: e.actorTenantId, client_id: e.actorClientId }, action: e.action, target: e.target,
    details: e.details, created_at: e.createdAt,
  }));
}
