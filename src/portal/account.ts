/** /account: the applications a user has authorized, and revoking them with their tokens. */
import { isClientIdUrl } from '../core/clients.js';
import type { CoreDeps } from '../core/deps.js';
import { AppError } from '../core/errors.js';
import type { User } from '../core/types.js';

/** The user of a portal session, unless the account has been disabled since. */
export async function activeUser(deps: CoreDeps, tenantId: string, userId: string): Promise<User | null> {
  const user = await deps.stores.users.findById(tenantId, userId);
  return user && !user.disabled ? user : null;
}

export interface AuthorizedApp {
  grantId: string;
  clientId: string;
  name: string;
  /** Where the app sends users back: its OAuth domain or first redirect host. */
  domain: string | null;
  scopes: { name: string; description: string }[];
  authorizedAt: number;
  lastUsedAt: number | null;
}

function domainOf(oauthDomain: string | null, redirectUris: string[]): string | null {
  if (oauthDomain) return oauthDomain;
  try {
    return redirectUris[0] ? new URL(redirectUris[0]).host : null;
  } catch {
    return null;
  }
}

export async function listAuthorizedApps(deps: CoreDeps, tenantId: string, userId: string): Promise<AuthorizedApp[]> {
  const grants = await deps.stores.grants.listByUser(tenantId, userId);
  const out: AuthorizedApp[] = [];
  for (const g of grants) {
    const [client, rs] = await Promise.all([
      deps.stores.clients.find(g.tenantId, g.serverId, g.clientId),
      deps.directory.resolve(g.tenantId, g.serverId),
    ]);
    // A client described by a metadata document is shown by its URL's host, without fetching it.
    const documentHost = !client && isClientIdUrl(g.clientId) ? new URL(g.clientId).host : null;
    if (!client && !documentHost) continue; // deleted apps have their grants revoked; a stray row is not shown
    out.push({
      grantId: g.id, clientId: g.clientId, name: client?.name ?? documentHost!,
      domain: client ? domainOf(client.oauthDomain, client.redirectUris) : documentHost,
      scopes: g.scopes.map((name) => ({ name, description: rs?.scopes.get(name) ?? name })),
      authorizedAt: g.createdAt, lastUsedAt: g.lastUsedAt,
    });
  }
  return out;
}

export async function findAuthorizedApp(deps: CoreDeps, tenantId: string, userId: string, grantId: string): Promise<AuthorizedApp> {
  const app = (await listAuthorizedApps(deps, tenantId, userId)).find((a) => a.grantId === grantId);
  if (!app) throw new AppError('not_found', 'You have not authorized this application, or access was already revoked.');
  return app;
}

/** Revoke the grant and every token issued under it; the app must ask again. */
export async function revokeAuthorization(deps: CoreDeps, tenantId: string, userId: string, grantId: string): Promise<void> {
  const now = deps.clock.now();
  await deps.stores.transaction(async () => {
    const changed = await deps.stores.grants.revoke(tenantId, userId, grantId, now);
    if (changed === 0) throw new AppError('not_found', 'You have not authorized this application, or access was already revoked.');
    await deps.stores.tokens.revokeByGrant(grantId, now);
  });
}
