/**
 * API keys and client secrets of a portal app: several of each, named,
 * with an optional expiry; the value is returned once at creation and only its hash is kept.
 */
import type { CoreDeps } from '../core/deps.js';
import { AppError } from '../core/errors.js';
import type { Client, ClientSecret } from '../core/types.js';
import { invalid, listCredentials, MAX_YEARS, mintCredential, type CredentialKind, type IssuedCredential } from '../credentials/service.js';
import { getOwnedApp, type PortalScope } from './apps.js';

export type { CredentialKind, IssuedCredential };

export interface NewCredential {
  name: string;
  /** `YYYY-MM-DD` from a date field, or empty for no expiry. */
  expiresOn: string;
}

/** A date field means "valid through that day (UTC)": the credential expires at the next midnight. */
export function parseExpiry(value: string, now: number): number | null {
  const v = value.trim();
  if (!v) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const start = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(start) || new Date(start).getUTCDate() !== Number(m[3])) throw invalid(`"${v.slice(0, 20)}" is not a date (YYYY-MM-DD).`);
  const expiresAt = start / 1000 + 86400;
  if (expiresAt <= now) throw invalid('The expiry date must be today or later.');
  if (expiresAt > now + MAX_YEARS * 365 * 86400) throw invalid(`The expiry date can be at most ${MAX_YEARS} years away.`);
  return expiresAt;
}

function checkName(name: string, kind: CredentialKind): string {
  const n = name.trim() || (kind === 'api-key' ? 'API key' : 'Client secret');
  if (n.length > 100) throw invalid('The name can be at most 100 characters.');
  return n;
}

export async function issueCredential(
  deps: CoreDeps, scope: PortalScope, userId: string, clientId: string, kind: CredentialKind, input: NewCredential,
): Promise<IssuedCredential> {
  const app = await getOwnedApp(deps, scope, userId, clientId);
  return mintCredential(deps, app, kind, checkName(input.name, kind), parseExpiry(input.expiresOn, deps.clock.now()));
}

export async function findCredential(
  deps: CoreDeps, scope: PortalScope, userId: string, clientId: string, kind: CredentialKind, id: string,
): Promise<{ app: Client; credential: ClientSecret }> {
  const app = await getOwnedApp(deps, scope, userId, clientId);
  const { apiKeys, secrets } = await listCredentials(deps, app);
  const credential = (kind === 'api-key' ? apiKeys : secrets).find((c) => c.id === id && c.revokedAt === null);
  if (!credential) throw new AppError('not_found', `This ${kind === 'api-key' ? 'API key' : 'client secret'} does not exist or was already revoked.`);
  return { app, credential };
}

export async function revokeCredential(
  deps: CoreDeps, scope: PortalScope, userId: string, clientId: string, kind: CredentialKind, id: string,
): Promise<ClientSecret> {
  const { app, credential } = await findCredential(deps, scope, userId, clientId, kind, id);
  const now = deps.clock.now();
  if (kind === 'api-key') await deps.stores.apiKeys.revoke(app.tenantId, app.serverId, app.clientId, id, now);
  else await deps.stores.clients.revokeSecret(app.tenantId, app.serverId, app.clientId, id, now);
  return credential;
}

export async function setCredentialExpiry(
  deps: CoreDeps, scope: PortalScope, userId: string, clientId: string, kind: CredentialKind, id: string, expiresOn: string,
): Promise<void> {
  const { app } = await findCredential(deps, scope, userId, clientId, kind, id);
  const expiresAt = parseExpiry(expiresOn, deps.clock.now());
  if (kind === 'api-key') await deps.stores.apiKeys.setExpiry(app.tenantId, app.serverId, app.clientId, id, expiresAt);
  else await deps.stores.clients.setSecretExpiry(app.tenantId, app.serverId, app.clientId, id, expiresAt);
}
