/** Defaults for per-server settings. */
import type { ServerSettings } from './types.js';

export const DEFAULT_SERVER_SETTINGS: ServerSettings = {
  accessTokenTtl: 3600,
  seAccessTokenTtl: 86400,
  refreshTokenTtl: 30 * 86400,
  refreshTokenAbsoluteTtl: 90 * 86400,
  keyRotationDays: 90,
  accessTokenFormat: 'jwt',
  allowPlainPkce: false,
  signingAlg: 'ES256',
  registration: 'off',
  maxDynamicClients: 1000,
  dynamicClientIdleDays: 30,
  clientIdMetadataDocuments: false,
  resources: [],
  resourcePolicy: 'listed',
  dpop: 'allow',
};

/** RFC 6749 §4.1.2 recommends at most 10 minutes; Pixie uses 60 seconds. */
export const CODE_TTL = 60;
/** A sign-in in progress (login and consent pages) lasts this long; expired ones are purged at the next pass. */
export const INTERACTION_TTL = 10 * 60;

export function resolveSettings(partial: Partial<ServerSettings> | undefined): ServerSettings {
  return { ...DEFAULT_SERVER_SETTINGS, ...(partial ?? {}) };
}
