import type { FastifyInstance } from 'fastify';
import type { Interaction } from '../../../core/types.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A pending authorization request, or null when the id is unknown or expired. */
export async function loadInteraction(app: FastifyInstance, id: string): Promise<Interaction | null> {
  if (!ID.test(id)) return null;
  return app.pixie.deps.stores.interactions.find(id, app.pixie.deps.clock.now());
}
