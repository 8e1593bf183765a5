import type { Stores } from '../../core/ports.js';
import type { SecretsKeyring } from '../../crypto/secrets-key.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import { apiKeyStore } from './api-keys.js';
import { adminStore } from './admin.js';
import { auditStore } from './audit.js';
import { clientStore } from './clients.js';
import { codeStore } from './codes.js';
import { deviceCodeStore } from './device-codes.js';
import { signingKeyStore } from './keys.js';
import { purgeStore } from './purge.js';
import { pushedRequestStore } from './pushed-requests.js';
import { registrationTokenStore } from './registration-tokens.js';
import { cookieKeyStore, interactionStore, loginAttemptStore, sessionStore } from './sessions.js';
import { dpopJtiStore } from './dpop-jtis.js';
import { serverStore, tenantStore } from './tenants.js';
import { tokenStore } from './tokens.js';
import { grantStore, userStore } from './users.js';

const PING_TIMEOUT_MS = 2000;
/** How long a probe's answer is reused: /readyz polled often costs one tiny write a second at most. */
const PROBE_CACHE_MS = 1000;
/**
 * The probe writes: a database that reads but cannot be written (a full disk) is not ready. One
 * row, rewritten in place: the probe adds nothing to the database however often it runs.
 */
const beat = statement('stores.heartbeat', (db) =>
  db.insertInto('heartbeat').values({ id: 'readyz', beat_at: param<number>('at') })
    .onConflict((oc) => oc.column('id').doUpdateSet({ beat_at: param<number>('at') })),
);

/** `keyring` encrypts the private signing keys at rest (keys.ts is the only store that uses it). */
export function createStores(x: SqlExecutor, keyring: SecretsKeyring): Stores {
  let failuresSeen = x.writeHealth?.().failures ?? 0;
  const probe = async (): Promise<boolean> => {
    // SQLite: writes refused since the last probe, or a nearly full disk, make it unready even
    // when the probe's own few pages still fit (in WAL space a failed commit had taken).
    const health = x.writeHealth?.();
    if (health) {
      const failed = health.failures !== failuresSeen;
      failuresSeen = health.failures;
      if (failed || health.lowOnSpace) return false;
    }
    // A database that does not answer within PING_TIMEOUT_MS is as unready as one that refuses.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => { timer = setTimeout(resolve, PING_TIMEOUT_MS, false); });
    const write = async () => {
      await x.run(beat, { at: Math.floor(Date.now() / 1000) });
      await x.sync(); // SQLite: the turn's commit, where a full disk shows
      return true;
    };
    try {
      return await Promise.race([write(), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  };
  let last: { at: number; ok: Promise<boolean> } | null = null;
  return {
    tenants: tenantStore(x),
    servers: serverStore(x),
    keys: signingKeyStore(x, keyring),
    clients: clientStore(x),
    users: userStore(x),
    grants: grantStore(x),
    codes: codeStore(x),
    tokens: tokenStore(x),
    sessions: sessionStore(x),
    interactions: interactionStore(x),
    loginAttempts: loginAttemptStore(x),
    cookieKeys: cookieKeyStore(x),
    apiKeys: apiKeyStore(x),
    registrationTokens: registrationTokenStore(x),
    admin: adminStore(x, keyring),
    audit: auditStore(x),
    purge: purgeStore(x),
    pushedRequests: pushedRequestStore(x),
    dpopJtis: dpopJtiStore(x),
    deviceCodes: deviceCodeStore(x),
    runExclusive: (name, fn) => x.exclusive(name, fn),
    transaction: (fn) => x.transaction(fn),
    sync: () => x.sync(),
    ping: () => {
      const now = Date.now();
      if (!last || now - last.at >= PROBE_CACHE_MS) last = { at: now, ok: probe() };
      return last.ok;
    },
    close: () => x.close(),
  };
}
