/** GET /pkce and /static/pkce.js: the PKCE helper page. */
import type { FastifyInstance } from 'fastify';
import { challengeFor } from '../../../core/pkce.js';
import { randomBase64url, randomUnreserved } from '../../../crypto/random.js';
import { sendPage } from '../../plugins/page-headers.js';
import { pkcePage, type PkceView } from '../../views/pkce-page.js';
import { PKCE_SCRIPT } from '../../views/pkce-script.js';
import { Type } from '../../../vendor/typebox.js';
import { typed } from '../../type-provider.js';
import { signedInUser } from '../portal/common.js';

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

const Value = Type.Optional(Type.String({ maxLength: 2000 }));
const QuerySchema = Type.Object({
  endpoint: Value, tenant: Value, server: Value, client_id: Value, redirect_uri: Value, scope: Value, state: Value,
});

function authorizeUrl(base: string, v: PkceView): string {
  const se = v.endpoint === 'stackexchange';
  const url = new URL(se ? `${base}/oauth` : `${base}/${v.tenant}/${v.server}/oauth2/authorize`);
  const scope = v.scope.trim();
  const params: Record<string, string> = {
    response_type: 'code', client_id: v.clientId, redirect_uri: v.redirectUri,
    // The /oauth dialect takes commas; OAuth 2.1 wants spaces.
    ...(scope ? { scope: se ? scope : scope.split(/[\s,]+/).join(' ') } : {}),
    state: v.state, code_challenge: v.challenge, code_challenge_method: 'S256',
  };
  for (const [k, value] of Object.entries(params)) url.searchParams.set(k, value);
  return url.toString();
}

export function pkceRoutes(app: FastifyInstance): void {
  typed(app).get('/pkce', { schema: { querystring: QuerySchema }, config: { errorFormat: 'page' } }, async (request, reply) => {
    const q = request.query;
    const base = app.pixie.deps.publicUrl;
    const verifier = randomUnreserved(64);
    const view: PkceView = {
      verifier, challenge: challengeFor(verifier, 'S256'), base,
      tenant: q.tenant ?? 'default', server: q.server ?? 'default', endpoint: q.endpoint === 'stackexchange' ? 'stackexchange' : 'oauth2',
      clientId: q.client_id ?? '', redirectUri: q.redirect_uri ?? '', scope: q.scope ?? '', state: randomBase64url(16),
      authorizeUrl: null, error: null, username: (await signedInUser(request))?.username ?? null,
    };
    if (view.clientId || view.redirectUri) {
      if (!ID.test(view.tenant) || !ID.test(view.server)) view.error = 'Tenant and server ids are lowercase letters, digits and "-".';
      else if (!view.clientId || !URL.canParse(view.redirectUri)) view.error = 'Give a client ID and an absolute redirect URI.';
      else view.authorizeUrl = authorizeUrl(base, view);
    }
    return sendPage(reply, view.error ? 400 : 200, pkcePage(view));
  });
  app.get('/static/pkce.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').header('x-content-type-options', 'nosniff').send(PKCE_SCRIPT));
}
