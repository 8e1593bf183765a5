/** GET /: a page for people (links to every authorization server and page), a small JSON document for programs. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { listIssuers } from '../../../core/issuers.js';
import { sendPage } from '../../plugins/page-headers.js';
import { homePage } from '../../views/home.js';
import { signedInUser } from '../portal/common.js';

/** Servers listed on the home page: one bounded query however many tenants there are. */
const LISTED = 50;

function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

export function homeRoutes(app: FastifyInstance): void {
  app.get('/', { config: { errorFormat: 'page' } }, async (request, reply) => {
    const base = app.pixie.deps.publicUrl;
    const { issuers, more } = await listIssuers(app.pixie.deps, LISTED);
    if (!wantsHtml(request)) {
      return reply.header('cache-control', 'no-store').send({
        name: 'Pixie', issuers, more,
        discovery: issuers.map((i) => `${i}/.well-known/openid-configuration`),
        openapi: `${base}/api/openapi.json`,
      });
    }
    const user = await signedInUser(request);
    return sendPage(reply, 200, homePage({ publicUrl: base, username: user?.username ?? null, issuers, more }));
  });
}
