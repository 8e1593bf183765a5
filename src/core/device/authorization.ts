/**
 * The device authorization endpoint (RFC 8628 §3.1, §3.2): a device without a browser (a TV, a
 * CLI) asks for a device code, which it polls the token endpoint with, and a user code, which
 * its user types on another device at the verification URI.
 */
import { generateOpaqueToken, hashOpaqueToken } from '../../crypto/opaque-token.js';
import { checkedScopesAndResources } from '../authorize/validate-request.js';
import { authenticateClient, readClientCredentials, withClientRealm } from '../client-auth/authenticate.js';
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import { OAuthError, UnauthorizedClient } from '../errors.js';
import { refuseWhenFull, type ParkLimits } from '../interaction/flow.js';
import type { EndpointPolicy } from '../policy.js';
import { noteDynamicClientUse } from '../registration.js';
import type { DeviceCode } from '../types.js';
import { hashUserCode, newUserCode, normaliseUserCode } from './user-code.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** How long the user has to enter the code and approve (RFC 8628 §3.2 `expires_in`). */
export const DEVICE_CODE_TTL = 600;
/** Seconds between polls (RFC 8628 §3.2 `interval`); slow_down adds SLOW_DOWN_STEP. */
export const DEVICE_POLL_INTERVAL = 5;
export const SLOW_DOWN_STEP = 5;
/** A new user code that collides with a stored one is drawn again, this many times at most. */
const SAVE_TRIES = 5;

export interface DeviceAuthorizationRequest {
  params: Record<string, string | undefined>;
  authorization: string | undefined;
  policy: EndpointPolicy;
  /** The `resource` values (RFC 8707), which may repeat; ignored where the policy takes none. */
  resources?: readonly string[];
  /**
   * Who asks, and how many codes may be live at once from one IP and in all: a public client's
   * requests need no secret, so without caps anyone could fill the disk with codes.
   */
  limits: ParkLimits;
}

/** RFC 8628 §3.2. */
export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** Where the user enters the code: a page of the issuer, `{issuer}/device`. */
export function verificationUri(rs: ResolvedServer): string {
  return `${rs.issuer}/device`;
}

async function checkRoom(deps: CoreDeps, limits: ParkLimits, now: number): Promise<void> {
  refuseWhenFull(await deps.stores.deviceCodes.countLive(limits.ip, now), limits, {
    ip: 'too many device codes are waiting for approval from this address; try again in a few minutes',
    total: 'too many device codes are waiting for approval; try again in a few minutes',
  });
}

export function handleDeviceAuthorization(
  deps: CoreDeps, rs: ResolvedServer, req: DeviceAuthorizationRequest,
): Promise<DeviceAuthorizationResponse> {
  return withClientRealm(rs.issuer, () => deviceAuthorization(deps, rs, req));
}

async function deviceAuthorization(deps: CoreDeps, rs: ResolvedServer, req: DeviceAuthorizationRequest): Promise<DeviceAuthorizationResponse> {
  // RFC 8628 §3.1: the client authenticates as at the token endpoint (a public client sends client_id).
  const client = await authenticateClient(deps, rs.server.tenantId, rs.server.id, readClientCredentials(req.params, req.authorization));
  if (!client.grantTypes.includes(DEVICE_CODE_GRANT)) {
    throw new UnauthorizedClient(`client "${client.clientId}" may not use grant_type "${DEVICE_CODE_GRANT}"`);
  }
  await noteDynamicClientUse(deps, rs, client);
  const { scopes, resources } = checkedScopesAndResources(rs, client, req.policy, req.params.scope, req.resources ?? []);
  // The ID token's key is made while the user signs in, not when the device redeems the code.
  if (scopes.includes('openid')) deps.directory.prepareKey(rs, client.idTokenSignedResponseAlg);

  const now = deps.clock.now();
  await checkRoom(deps, req.limits, now);
  const deviceCode = generateOpaqueToken('pxdc');
  const base: Omit<DeviceCode, 'userCodeHash'> = {
    hash: hashOpaqueToken(deviceCode), tenantId: rs.server.tenantId, serverId: rs.server.id, clientId: client.clientId,
    scope: scopes.join(' '), ...(resources.length ? { resources } : {}), status: 'pending', userId: null, grantId: null, authTime: null,
    interval: DEVICE_POLL_INTERVAL, lastPolledAt: null, expiresAt: now + DEVICE_CODE_TTL, createdAt: now, ip: req.limits.ip,
  };
  for (let i = 0; i < SAVE_TRIES; i++) {
    const userCode = newUserCode();
    if (await deps.stores.deviceCodes.save({ ...base, userCodeHash: hashUserCode(normaliseUserCode(userCode)!) })) {
      const uri = verificationUri(rs);
      return {
        device_code: deviceCode, user_code: userCode, verification_uri: uri,
        verification_uri_complete: `${uri}?user_code=${encodeURIComponent(userCode)}`,
        expires_in: DEVICE_CODE_TTL, interval: DEVICE_POLL_INTERVAL,
      };
    }
  }
  // 34.6 bits of user code: five collisions in a row mean the table is full of live codes.
  throw new OAuthError('temporarily_unavailable', 'no free user code could be drawn; try again in a moment', 503);
}
