/**
 * The user code entered on the verification page (RFC 8628 §3.3), then the sign-in and consent
 * of the authorization code flow (core/interaction/flow.ts) for the device's request.
 *
 * RFC 8628 §5.1: user codes are short enough to guess, so wrong codes are throttled, counted
 * before the lookup in stored counters (LoginAttemptStore, so every process and a restart see
 * them): per client IP, and in all across the installation, so that many addresses cannot run
 * through the code space either. A code entered correctly takes its count back.
 */
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import { AppError } from '../errors.js';
import { startAuthorization, type AuthorizeOutcome, type ParkLimits } from '../interaction/flow.js';
import { FORGET_AFTER } from '../interaction/login.js';
import type { EndpointPolicy } from '../policy.js';
import type { AuthorizationRequest, Session } from '../types.js';
import { hashUserCode, normaliseUserCode } from './user-code.js';

/** Wrong codes allowed per window of FORGET_AFTER (an hour) before a lock: from one IP, and from everyone together. */
export const USER_CODE_LIMITS = { ip: 10, all: 1000 } as const;
const BASE_LOCK = 60;
const MAX_LOCK = 3600;

interface Counter { key: string; limit: number }

/**
 * The counters of this attempt, one per fixed window of FORGET_AFTER seconds. A counter that
 * forgot only after an hour without attempts would never forget on a busy installation: every
 * user's typos would add up, day after day, to the installation's limit and lock everyone out.
 * In fixed windows the limits are per hour, as docs/security.md states; a window's lock ends
 * with the window at the latest.
 */
function counters(ip: string, now: number): Counter[] {
  const window = Math.floor(now / FORGET_AFTER);
  return [{ key: `devcode:ip:${ip}:${window}`, limit: USER_CODE_LIMITS.ip }, { key: `devcode:all:${window}`, limit: USER_CODE_LIMITS.all }];
}

function lockSeconds(failures: number, limit: number): number {
  return Math.min(BASE_LOCK * 2 ** Math.max(0, failures - limit), MAX_LOCK);
}

function tooMany(seconds: number): AppError {
  const minutes = Math.ceil(seconds / 60);
  return new AppError('rate_limited', `Too many wrong codes were entered. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, 429, seconds);
}

/** Throws when a counter is locked; else counts this attempt (atomically) and locks those past their limit. */
async function countAttempt(deps: CoreDeps, keys: Counter[], now: number): Promise<void> {
  const before = await Promise.all(keys.map((c) => deps.stores.loginAttempts.get(c.key)));
  const wait = Math.max(0, ...before.map((a) => (a?.lockedUntil && a.lockedUntil > now ? a.lockedUntil - now : 0)));
  if (wait > 0) throw tooMany(wait);
  const counted = await Promise.all(keys.map((c) => deps.stores.loginAttempts.increment(c.key, now, now - FORGET_AFTER)));
  const over = await Promise.all(keys.map(async (c, n) => {
    if (counted[n].failures <= c.limit) return 0;
    const seconds = lockSeconds(counted[n].failures, c.limit);
    await deps.stores.loginAttempts.lock(c.key, now + seconds);
    return seconds;
  }));
  if (Math.max(...over) > 0) throw tooMany(Math.max(...over));
}

function wrongCode(): AppError {
  return new AppError('validation_failed', 'That code is not valid, or it has expired. Check the code your device shows and try again.');
}

/**
 * The user entered `input` on the verification page of `rs`: checks it (throttled), then parks
 * the device's request for sign-in and consent as /authorize does for a browser app.
 * Consent is always asked (RFC 8628 §5.4: the user must see which app on which device they let in).
 */
export async function enterUserCode(
  deps: CoreDeps, rs: ResolvedServer, policy: EndpointPolicy, input: string, session: Session | null, limits: ParkLimits,
): Promise<AuthorizeOutcome> {
  const normalised = normaliseUserCode(input);
  // A typo (wrong length, a letter the codes never use) is told at once and not counted: no guess reaches the store.
  if (!normalised) throw new AppError('validation_failed', 'A code has 8 letters, like BCDF-GHJK. Check the code your device shows.');
  const now = deps.clock.now();
  const keys = counters(limits.ip, now);
  await countAttempt(deps, keys, now);
  const row = await deps.stores.deviceCodes.findPending(hashUserCode(normalised), now);
  if (!row || row.tenantId !== rs.server.tenantId || row.serverId !== rs.server.id) throw wrongCode();
  await Promise.all(keys.map((c) => deps.stores.loginAttempts.decrement(c.key)));
  const request: AuthorizationRequest = {
    tenantId: row.tenantId, serverId: row.serverId, clientId: row.clientId, redirectUri: '', redirectUriGiven: false, responseType: 'code',
    scopes: row.scope ? row.scope.split(' ') : [], state: null, codeChallenge: null, codeChallengeMethod: null, nonce: null,
    prompt: ['consent'], maxAge: null, policy: policy.name, ...(row.resources?.length ? { resources: row.resources } : {}), deviceCode: row.hash,
  };
  return startAuthorization(deps, rs, policy, request, session, limits);
}
