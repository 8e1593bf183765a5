/** Operations: /healthz (process up), /readyz (storage open, migrated and writable), the stylesheet. */
import type { FastifyInstance } from 'fastify';
import { STYLESHEET } from '../views/stylesheet.js';

export function healthRoutes(app: FastifyInstance): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ok = await app.pixie.deps.stores.ping();
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'storage unavailable' });
  });
  app.get('/static/pixie.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET));
}
