/** The authorization servers a visitor of the home page can pick from. */
import type { CoreDeps } from './deps.js';

/** `system` holds only the tenant administrators' servers: not for clients. */
const HIDDEN_TENANT = 'system';

/** The issuers of the first `limit` servers (one bounded query however many tenants there are), and whether there are more. */
export async function listIssuers(deps: CoreDeps, limit: number): Promise<{ issuers: string[]; more: boolean }> {
  const servers = await deps.stores.servers.listFirst(limit + 1, HIDDEN_TENANT);
  return { issuers: servers.slice(0, limit).map((s) => `${deps.publicUrl}/${s.tenantId}/${s.id}`), more: servers.length > limit };
}

