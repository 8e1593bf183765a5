/**
 * The end of a device sign-in (RFC 8628 §3.3): the user's Authorize or Deny on the consent page
 * is recorded on the device code, which the device learns of at its next poll. The browser then
 * goes to a page that tells the user to return to their device; nothing is redirected to the client.
 */
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import { AppError } from '../errors.js';
import { verificationUri } from './authorization.js';

export type DeviceResult = 'approved' | 'denied';

/** The page the browser lands on once the decision is recorded. */
export function deviceDoneUri(rs: ResolvedServer, result: DeviceResult): string {
  return `${verificationUri(rs)}/done?result=${result}`;
}

const gone = () => new AppError('not_found', 'This code has expired or was already used. Start again on your device to get a new code.');

/**
 * Throws the page error of decideDevice when the code can no longer be decided: checked before
 * an approval is remembered as a grant, so an approval that cannot go through records nothing.
 */
export async function assertDeviceUndecided(deps: CoreDeps, deviceCodeHash: string): Promise<void> {
  const code = await deps.stores.deviceCodes.find(deviceCodeHash);
  if (!code || code.status !== 'pending' || code.expiresAt <= deps.clock.now()) throw gone();
}

/**
 * Records the decision; throws a page error when the code expired (or was decided in another
 * tab) meanwhile, so the user is not told that an approval went through when it did not.
 */
export async function decideDevice(
  deps: CoreDeps, rs: ResolvedServer, deviceCodeHash: string, approval: { userId: string; grantId: string; authTime: number } | null,
): Promise<string> {
  const done = await deps.stores.deviceCodes.decide(deviceCodeHash, deps.clock.now(), approval);
  if (!done) throw gone();
  return deviceDoneUri(rs, approval ? 'approved' : 'denied');
}
