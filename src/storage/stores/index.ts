import type { Stores } from '../../core/ports.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import { apiKeyStore } from './api-keys.js';
import { adminStore } from './admin.js';
import { auditStore } from './audit.js';
import { clientStore } from './clients.js';
import { codeStore } from './codes.js';
import { signingKeyStore } from './keys.js';
import { purgeStore } from './purge.js';
import { cookieKeyStore, interactionStore, loginAttemptStore, sessionStore } from './sessions.js';
import { serverStore, tenantStore } from './tenants.js';
import { tokenStore } from './tokens.js';
import { grantStore, userStore } from './users.js';

const PING_TIMEOUT_MS = 2000;
const ping = statement('stores.ping', (db) => db.selectFrom('tenants').select('id').where('id', '=', param('id')));

export function createStores(x: SqlExecutor): Stores {
  return {
    tenants: tenantStore(x),
    servers: serverStore(x),
    keys: signingKeyStore(x),
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
    admin: adminStore(x),
    audit: auditStore(x),
    purge: purgeStore(x),
    runExclusive: (name, fn) => x.exclusive(name, fn),
    transaction: (fn) => x.transaction(fn),
    sync: () => x.sync(),
    ping: async () => {
      // A database that does not answer within PING_TIMEOUT_MS is as unready as one that refuses.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => { timer = setTimeout(resolve, PING_TIMEOUT_MS, false); });
      try {
        return await Promise.race([x.first(ping, { id: 'default' }).then(() => true), timeout]);
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => x.close(),
  };
}
