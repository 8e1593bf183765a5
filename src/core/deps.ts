/** Everything a core operation needs, passed explicitly (no ambient context). */
import type { ClientDocumentFetcher, Clock, Stores } from './ports.js';
import type { ServerDirectory } from './directory.js';

export interface CoreDeps {
  stores: Stores;
  clock: Clock;
  directory: ServerDirectory;
  /** Base URL the server is reached at, no trailing slash. Issuers are `${publicUrl}/${tenant}/${server}`. */
  publicUrl: string;
  /** Fetches client ID metadata documents (src/fetch); absent: no server resolves URL client ids. */
  clientDocuments?: ClientDocumentFetcher;
  /** log2 of scrypt's N for new password hashes; absent: DEFAULT_PASSWORD_HASH_COST (17). */
  passwordHashCost?: number;
}

export const systemClock: Clock = { now: () => Math.floor(Date.now() / 1000) };
