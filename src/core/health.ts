/** What /readyz reports. */
import type { CoreDeps } from './deps.js';

/** True once storage is open and migrated. */
export function storageReady(deps: CoreDeps): Promise<boolean> {
  return deps.stores.ping();
}
