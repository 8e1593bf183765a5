/**
 * RFC 8628 §3.4, §3.5: the device polls with its device code until the user has decided.
 * Pending: `authorization_pending`, or `slow_down` (and 5 more seconds to wait from then on)
 * when it polls sooner than its interval; `access_denied` after Deny; `expired_token` once the
 * code expired. An approved code is redeemed exactly once (one atomic UPDATE decides, across
 * processes) for the token set of the code flow.
 */
import { hashOpaqueToken } from '../../../crypto/opaque-token.js';
import { DEVICE_CODE_GRANT, SLOW_DOWN_STEP } from '../../device/authorization.js';
import { InvalidGrant, InvalidRequest, OAuthError } from '../../errors.js';
import type { DeviceCode } from '../../types.js';
import { issueUserTokens, resourcesFor } from '../token-set.js';
import type { GrantHandler, TokenContext } from '../types.js';

/** RFC 8628 §3.5 errors are token endpoint errors (RFC 6749 §5.2): 400. */
const pending = () => new OAuthError('authorization_pending', 'the user has not yet approved this device');
const slowDown = () => new OAuthError('slow_down', 'polling too often: wait the interval (now 5 seconds longer) between requests');

/** A pending code: note the poll, and say whether it came too soon (RFC 8628 §3.5 slow_down). */
async function poll(ctx: TokenContext, row: DeviceCode): Promise<never> {
  const now = ctx.deps.clock.now();
  const tooSoon = row.lastPolledAt !== null && now - row.lastPolledAt < row.interval;
  const interval = tooSoon ? row.interval + SLOW_DOWN_STEP : row.interval;
  // Compare-and-set on the last poll time: of two polls at once, the second is too soon.
  const noted = await ctx.deps.stores.deviceCodes.poll(row.hash, row.lastPolledAt, now, interval);
  throw tooSoon || !noted ? slowDown() : pending();
}

export const deviceCodeGrant: GrantHandler = {
  grantType: DEVICE_CODE_GRANT,
  parameters: ['device_code'],
  async handle(ctx) {
    const { device_code: deviceCode } = ctx.params;
    if (!deviceCode) throw new InvalidRequest('device_code is required');
    const { deps, rs, client } = ctx;
    const hash = hashOpaqueToken(deviceCode);
    const row = await deps.stores.deviceCodes.find(hash);
    if (!row || row.tenantId !== rs.server.tenantId || row.serverId !== rs.server.id || row.clientId !== client.clientId) {
      throw new InvalidGrant('device_code is invalid');
    }
    if (row.status === 'redeemed') throw new InvalidGrant('device_code was already used');
    if (row.expiresAt <= deps.clock.now()) throw new OAuthError('expired_token', 'device_code expired: start a new device authorization');
    if (row.status === 'denied') throw new OAuthError('access_denied', 'the user denied the request');
    if (row.status === 'pending') return poll(ctx, row);
    const scopes = row.scope ? row.scope.split(' ') : [];
    // Before the redemption: a refused resource leaves the code redeemable.
    const resources = resourcesFor(ctx, row.resources ?? [], scopes);
    const redeemed = await deps.stores.deviceCodes.redeem(hash, deps.clock.now());
    if (!redeemed) throw new InvalidGrant('device_code was already used');
    // As for a code: revoking the app on /account between approval and redemption voids the approval.
    const grant = await deps.stores.grants.find(rs.server.tenantId, rs.server.id, client.clientId, redeemed.userId!);
    if (!grant || grant.id !== redeemed.grantId) throw new InvalidGrant('the user revoked access for this application');
    return issueUserTokens(ctx, {
      userId: redeemed.userId!, scopes, authTime: redeemed.authTime!, nonce: null, codeHash: null, familyId: null, familyStartedAt: null,
      grantId: redeemed.grantId, resources, grantedResources: row.resources ?? [],
    });
  },
};
