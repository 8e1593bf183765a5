/** A parked authorization request as the sign-in and consent pages see it. */
import { findClient } from '../clients.js';
import type { CoreDeps } from '../deps.js';
import type { Client, Interaction, User } from '../types.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A pending authorization request, or null when the id is unknown, malformed or expired. */
export async function findInteraction(deps: CoreDeps, id: string | undefined): Promise<Interaction | null> {
  if (id === undefined || !ID.test(id)) return null;
  return deps.stores.interactions.find(id, deps.clock.now());
}

/** The client that asked, and the user when one is signed in: what the pages name. */
export async function interactionParties(
  deps: CoreDeps, interaction: Interaction, userId: string | null,
): Promise<{ client: Client | null; user: User | null }> {
  const r = interaction.request;
  const [client, user] = await Promise.all([
    // findClient: a client ID metadata document is resolved too; one that no longer resolves is gone.
    findClient(deps, r.tenantId, r.serverId, r.clientId).catch(() => null),
    userId === null ? null : deps.stores.users.findById(r.tenantId, userId),
  ]);
  return { client, user };
}
