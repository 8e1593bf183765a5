/** /static/pixie.js: the pages' progressive-enhancement script (the stylesheet is served by health.ts). */
import type { FastifyInstance } from 'fastify';
import { SCRIPT } from '../views/script.js';

export function assetRoutes(app: FastifyInstance): void {
  app.get('/static/pixie.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600')
      .header('x-content-type-options', 'nosniff').send(SCRIPT));
}
