/**
 * Sign-in with throttling: attempts are counted per account and per IP before the
 * password is checked (a success takes its count back); after a few failures the key is
 * locked for a time that doubles with every further attempt, up to 15 minutes.
 */
import { generateOpaqueToken, hashOpaqueToken } from '../../crypto/opaque-token.js';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../../crypto/password.js';
import type { CoreDeps } from '../deps.js';
import { AppError } from '../errors.js';
import type { LoginAttempt } from '../ports.js';
import type { Session } from '../types.js';

export const SESSION_TTL = 8 * 3600;
const LIMITS = { account: 5, ip: 20 };
const BASE_LOCK = 30;
const MAX_LOCK = 15 * 60;
/** Failures older than this no longer count. */
export const FORGET_AFTER = 3600;

export interface LoginResult {
  session: Session;
  /** The cookie value; only its hash is stored. */
  sessionToken: string;
}

function keys(tenantId: string, username: string, ip: string) {
  return { account: `acct:${tenantId}:${username.toLowerCase()}`, ip: `ip:${ip}` };
}

function lockedFor(a: LoginAttempt | null, now: number): number {
  return a?.lockedUntil && a.lockedUntil > now ? a.lockedUntil - now : 0;
}

function lockSeconds(failures: number, limit: number): number {
  return Math.min(BASE_LOCK * 2 ** (failures - limit), MAX_LOCK);
}

/**
 * Counts the attempt for `key` before the password is checked, in one atomic statement: a
 * burst of parallel guesses (other usernames, other processes) then sees every attempt ahead
 * of it, and only the first `limit` are checked. Beyond the limit the key is locked at once.
 */
async function countAttempt(deps: CoreDeps, key: string, limit: number, now: number): Promise<{ failures: number; over: number }> {
  const { failures } = await deps.stores.loginAttempts.increment(key, now, now - FORGET_AFTER);
  if (failures <= limit) return { failures, over: 0 };
  const seconds = lockSeconds(failures, limit);
  await deps.stores.loginAttempts.lock(key, now + seconds);
  return { failures, over: seconds };
}

/** After a wrong password: the attempt is counted already; lock once the limit is reached. */
async function lockAtLimit(deps: CoreDeps, key: string, failures: number, limit: number, now: number): Promise<number> {
  if (failures < limit) return 0;
  const seconds = lockSeconds(failures, limit);
  await deps.stores.loginAttempts.lock(key, now + seconds);
  return seconds;
}

/**
 * Accounts whose password is being checked right now, in this process: a burst of parallel
 * guesses on one account gets a quick answer without touching the counters.
 */
const verifying = new Set<string>();

function tooMany(seconds: number): AppError {
  const minutes = Math.ceil(seconds / 60);
  return new AppError('rate_limited', `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
}

async function checkPassword(deps: CoreDeps, tenantId: string, username: string, password: string) {
  const user = await deps.stores.users.findByUsername(tenantId, username);
  // Verify against a dummy hash for unknown users so the response time does not reveal them.
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  return user && ok && !user.disabled ? user : null;
}

export async function login(deps: CoreDeps, tenantId: string, username: string, password: string, ip: string): Promise<LoginResult> {
  const now = deps.clock.now();
  const k = keys(tenantId, username, ip);
  const [acct, byIp] = await Promise.all([deps.stores.loginAttempts.get(k.account), deps.stores.loginAttempts.get(k.ip)]);
  const wait = Math.max(lockedFor(acct, now), lockedFor(byIp, now));
  if (wait > 0) throw tooMany(wait);
  if (verifying.has(k.account)) throw new AppError('rate_limited', 'A sign-in for this account is already being checked. Try again in a moment.');
  verifying.add(k.account);
  let user;
  try {
    const [a, i] = await Promise.all([
      countAttempt(deps, k.account, LIMITS.account, now), countAttempt(deps, k.ip, LIMITS.ip, now),
    ]);
    if (a.over || i.over) throw tooMany(Math.max(a.over, i.over));
    user = await checkPassword(deps, tenantId, username, password);
    if (!user) {
      const locked = Math.max(
        await lockAtLimit(deps, k.account, a.failures, LIMITS.account, now), await lockAtLimit(deps, k.ip, i.failures, LIMITS.ip, now),
      );
      if (locked > 0) throw tooMany(locked);
      throw new AppError('unauthorized', 'Wrong username or password.');
    }
    // A success forgets the account's failures and takes back the attempt counted for the IP.
    await Promise.all([deps.stores.loginAttempts.clear(k.account), deps.stores.loginAttempts.decrement(k.ip)]);
  } finally {
    verifying.delete(k.account);
  }
  const sessionToken = generateOpaqueToken('pxss');
  const session: Session = { hash: hashOpaqueToken(sessionToken), tenantId, userId: user.id, authTime: now, expiresAt: now + SESSION_TTL };
  await deps.stores.sessions.save(session);
  return { session, sessionToken };
}

export async function findSession(deps: CoreDeps, token: string | undefined): Promise<Session | null> {
  if (!token) return null;
  return deps.stores.sessions.find(hashOpaqueToken(token), deps.clock.now());
}

export async function logout(deps: CoreDeps, token: string | undefined): Promise<void> {
  if (token) await deps.stores.sessions.delete(hashOpaqueToken(token));
}
