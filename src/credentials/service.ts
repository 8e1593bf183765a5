/**
 * Client secrets and API keys, for every door that makes them (the developer portal, and the
 * admin service behind the admin API and `pixie admin`): generated here, shown once, stored as
 * SHA-256 with a display prefix, at most MAX_LIVE live ones of each kind per client. The limit is
 * counted before the insert, in the caller's transaction if it has one (the admin service's
 * callers do; the portal does not, so two of its requests at the same instant could both pass
 * the count). The caller checks who may act on the client; the admin service also writes an
 * audit entry, the portal writes none.
 */
import type { CoreDeps } from '../core/deps.js';
import { AppError } from '../core/errors.js';
import type { ApiKey, Client, ClientSecret } from '../core/types.js';
import { displayPrefix, generateOpaqueToken, hashOpaqueToken } from '../crypto/opaque-token.js';
import { randomId } from '../crypto/random.js';

export type CredentialKind = 'api-key' | 'secret';

export interface IssuedCredential {
  kind: CredentialKind;
  /** Shown exactly once. */
  value: string;
  record: ClientSecret;
}

/** Active credentials of one kind an app may hold at a time: enough to rotate, not a dump. */
const MAX_LIVE = 10;
export const MAX_YEARS = 10;

export function invalid(message: string): AppError {
  return new AppError('validation_failed', message);
}

function isLive(c: ClientSecret, now: number): boolean {
  return c.revokedAt === null && (c.expiresAt === null || c.expiresAt > now);
}

export async function listCredentials(deps: CoreDeps, app: Client): Promise<{ apiKeys: ApiKey[]; secrets: ClientSecret[] }> {
  const [apiKeys, secrets] = await Promise.all([
    deps.stores.apiKeys.list(app.tenantId, app.serverId, app.clientId),
    deps.stores.clients.listSecrets(app.tenantId, app.serverId, app.clientId),
  ]);
  return { apiKeys, secrets };
}

/** Generate and store a credential of `app`; the caller has checked access to it, the name and the expiry. */
export async function mintCredential(
  deps: CoreDeps, app: Client, kind: CredentialKind, name: string, expiresAt: number | null,
): Promise<IssuedCredential> {
  if (kind === 'secret' && app.public) throw invalid('Public applications cannot keep a secret, so they have no client secrets.');
  const now = deps.clock.now();
  const existing = await listCredentials(deps, app);
  const live = (kind === 'api-key' ? existing.apiKeys : existing.secrets).filter((c) => isLive(c, now));
  if (live.length >= MAX_LIVE) throw invalid(`An application can have at most ${MAX_LIVE} active ${kind === 'api-key' ? 'API keys' : 'client secrets'}. Revoke one first.`);
  const value = generateOpaqueToken(kind === 'api-key' ? 'pxk' : 'pxs');
  const record: ClientSecret = {
    id: randomId(), name, hash: hashOpaqueToken(value), displayPrefix: displayPrefix(value), createdAt: now, expiresAt,
    lastUsedAt: null, revokedAt: null,
  };
  if (kind === 'api-key') await deps.stores.apiKeys.add({ ...record, tenantId: app.tenantId, serverId: app.serverId, clientId: app.clientId });
  else await deps.stores.clients.addSecret(app.tenantId, app.serverId, app.clientId, record);
  return { kind, value, record };
}

