/**
 * /static/pixie.js: the pages' progressive-enhancement script (the stylesheet is served by health.ts);
 * /schemas/import-file.json: the import file's JSON Schema, for editors and CI checks.
 */
import type { FastifyInstance } from 'fastify';
import { importFileJsonSchema } from '../../import/json-schema.js';
import { SCRIPT } from '../views/script.js';

export function assetRoutes(app: FastifyInstance): void {
  app.get('/static/pixie.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600')
      .header('x-content-type-options', 'nosniff').send(SCRIPT));
  // A server id cannot contain a dot, so this path never shadows a tenant's server.
  const schema = `${JSON.stringify(importFileJsonSchema(), null, 2)}\n`;
  app.get('/schemas/import-file.json', async (_request, reply) =>
    reply.type('application/schema+json; charset=utf-8').header('cache-control', 'public, max-age=3600').send(schema));
}
