/** The migration code by name (loaded only when a database needs migrating). */
import type { Migration } from 'kysely';
import * as m0001 from './0001-init.js';
import * as m0002 from './0002-login-attempts.js';
import * as m0003 from './0003-token-binding.js';
import * as m0004 from './0004-portal.js';
import * as m0005 from './0005-admin.js';
import * as m0006 from './0006-pg-byte-order.js';
import * as m0007 from './0007-partial-token-indexes.js';
import * as m0008 from './0008-code-replay.js';
import * as m0009 from './0009-client-metadata.js';
import * as m0010 from './0010-tenant-scale.js';
import * as m0011 from './0011-hostile-traffic.js';
import * as m0012 from './0012-cookie-keys.js';
import * as m0013 from './0013-heartbeat.js';
import * as m0014 from './0014-client-registration.js';
import * as m0015 from './0015-resource-indicators.js';
import * as m0016 from './0016-dpop.js';
import * as m0017 from './0017-par.js';
import * as m0018 from './0018-device-authorization.js';
import { MIGRATION_NAMES } from './names.js';

export const MIGRATIONS: Record<(typeof MIGRATION_NAMES)[number], Migration> = {
  '0001-init': m0001,
  '0002-login-attempts': m0002,
  '0003-token-binding': m0003,
  '0004-portal': m0004,
  '0005-admin': m0005,
  '0006-pg-byte-order': m0006,
  '0007-partial-token-indexes': m0007,
  '0008-code-replay': m0008,
  '0009-client-metadata': m0009,
  '0010-tenant-scale': m0010,
  '0011-hostile-traffic': m0011,
  '0012-cookie-keys': m0012,
  '0013-heartbeat': m0013,
  '0014-client-registration': m0014,
  '0015-resource-indicators': m0015,
  '0016-dpop': m0016,
  '0017-par': m0017,
  '0018-device-authorization': m0018,
};

// A migration listed in one place and not the other would be skipped or never recorded.
if (Object.keys(MIGRATIONS).join() !== MIGRATION_NAMES.join()) {
  throw new Error('src/storage/migrations: names.ts and index.ts list different migrations');
}
