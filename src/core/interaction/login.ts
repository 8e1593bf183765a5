/**
 * Sign-in with throttling: attempts are counted per account and per IP before the
 * password is checked (a success takes its count back); after a few failures the key is
 * locked for a time that doubles with every further attempt, up to 15 minutes. A browser
 * that signed in to the account before (a valid device cookie, ./device.ts) is counted on
 * its own instead, so a lock-out by guesses from elsewhere does not shut the owner out.
 * A password hash made at weaker parameters than configured is rehashed on success.
 */
import { generateOpaqueToken, hashOpaqueToken } from '../../crypto/opaque-token.js';
import { DEFAULT_PASSWORD_HASH_COST, dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from '../../crypto/password.js';
import type { CoreDeps } from '../deps.js';
import { AppError } from '../errors.js';
import type { LoginAttempt } from '../ports.js';
import type { Session, User } from '../types.js';
import { issueDeviceCookie, knownDevice } from './device.js';

export const SESSION_TTL = 8 * 3600;
/** Failures allowed before a lock: per account, per client IP, per known device (browser). */
const LIMITS = { account: 5, ip: 20, device: 5 };
const BASE_LOCK = 30;
const MAX_LOCK = 15 * 60;
/** Failures older than this no longer count. */
export const FORGET_AFTER = 3600;

export interface LoginResult {
  session: Session;
  /** The cookie value; only its hash is stored. */
  sessionToken: string;
  /** A fresh device cookie for this browser and account. */
  deviceCookie: string;
}

interface Counter { key: string; limit: number }

/** What an attempt counts against: the known device alone, or the account and the IP. */
function counters(tenantId: string, username: string, ip: string, device: string | null): Counter[] {
  if (device) return [{ key: `dev:${tenantId}:${device}`, limit: LIMITS.device }];
  return [{ key: `acct:${tenantId}:${username.toLowerCase()}`, limit: LIMITS.account }, { key: `ip:${ip}`, limit: LIMITS.ip }];
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
 * Accounts (or known devices) whose password is being checked right now, in this process: a
 * burst of parallel guesses on one account gets a quick answer without touching the counters.
 */
const verifying = new Set<string>();

function tooMany(seconds: number): AppError {
  const minutes = Math.ceil(seconds / 60);
  return new AppError('rate_limited', `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
}

async function checkPassword(deps: CoreDeps, tenantId: string, username: string, password: string): Promise<User | null> {
  const user = await deps.stores.users.findByUsername(tenantId, username);
  // Verify against a dummy hash for unknown users so the response time does not reveal them.
  const ok = await verifyPassword(password, user?.passwordHash ?? dummyPasswordHash(deps.passwordHashCost));
  return user && ok && !user.disabled ? user : null;
}

/** After a successful check: a hash made at weaker parameters than configured is replaced. */
async function rehashIfWeak(deps: CoreDeps, user: User, password: string): Promise<void> {
  const cost = deps.passwordHashCost ?? DEFAULT_PASSWORD_HASH_COST;
  if (!needsRehash(user.passwordHash, cost)) return;
  const newHash = await hashPassword(password, cost);
  await deps.stores.users.rehashPassword(user.tenantId, user.id, user.passwordHash, newHash, deps.clock.now());
}

/** `deviceCookie`: the browser's device cookie for the tenant, if it sent one. */
export async function login(
  deps: CoreDeps, tenantId: string, username: string, password: string, ip: string, deviceCookie?: string,
): Promise<LoginResult> {
  const now = deps.clock.now();
  const device = await knownDevice(deps, tenantId, username, deviceCookie);
  const keys = counters(tenantId, username, ip, device);
  const before = await Promise.all(keys.map((c) => deps.stores.loginAttempts.get(c.key)));
  const wait = Math.max(...before.map((a) => lockedFor(a, now)));
  if (wait > 0) throw tooMany(wait);
  const guard = keys[0].key;
  if (verifying.has(guard)) throw new AppError('rate_limited', 'A sign-in for this account is already being checked. Try again in a moment.');
  verifying.add(guard);
  let user;
  try {
    const counted = await Promise.all(keys.map((c) => countAttempt(deps, c.key, c.limit, now)));
    const over = Math.max(...counted.map((c) => c.over));
    if (over) throw tooMany(over);
    user = await checkPassword(deps, tenantId, username, password);
    if (!user) {
      const locked = Math.max(...await Promise.all(keys.map((c, n) => lockAtLimit(deps, c.key, counted[n].failures, c.limit, now))));
      if (locked > 0) throw tooMany(locked);
      throw new AppError('unauthorized', 'Wrong username or password.');
    }
    // A success forgets the failures of the account (or device) and takes back the attempt counted for the IP.
    await Promise.all(keys.map((c, n) => (n === 0 ? deps.stores.loginAttempts.clear(c.key) : deps.stores.loginAttempts.decrement(c.key))));
    await rehashIfWeak(deps, user, password);
  } finally {
    verifying.delete(guard);
  }
  const sessionToken = generateOpaqueToken('pxss');
  const session: Session = { hash: hashOpaqueToken(sessionToken), tenantId, userId: user.id, authTime: now, expiresAt: now + SESSION_TTL };
  await deps.stores.sessions.save(session);
  return { session, sessionToken, deviceCookie: await issueDeviceCookie(deps, tenantId, username) };
}

export async function findSession(deps: CoreDeps, token: string | undefined): Promise<Session | null> {
  if (!token) return null;
  return deps.stores.sessions.find(hashOpaqueToken(token), deps.clock.now());
}

export async function logout(deps: CoreDeps, token: string | undefined): Promise<void> {
  if (token) await deps.stores.sessions.delete(hashOpaqueToken(token));
}
