/**
 * CORS (Fetch standard) for the endpoints browser apps call with `fetch()`; every other route,
 * pages above all, never gets a CORS header.
 *
 * - Discovery and JWKS (every `/.well-known/` GET route): public documents, readable from any
 *   origin (`Access-Control-Allow-Origin: *`), never with credentials.
 * - Token, revocation, userinfo: readable only from an origin of the client the request is
 *   for (core/cors.ts: its redirect URIs' origins plus its `allowed_origins`). The answer echoes
 *   that one origin; an unlisted origin gets no CORS header at all, so the browser withholds the
 *   response. No `Access-Control-Allow-Credentials`: these endpoints take no cookies.
 * - Preflights (OPTIONS) carry no body, so no client id: they are answered for an origin that
 *   at least one client of the authorization server allows, and the actual request is then held
 *   to the exact client.
 * - Introspection gets none: resource servers call it from their servers, with a secret that
 *   has no business in a browser.
 *
 * Routes are matched by URL as they are registered (onRoute), so routes added later under
 * `/.well-known/` are covered, each gets its OPTIONS route, and the route files stay unaware.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { originAllowedForClient, originAllowedOnServer, requestClientId } from '../../core/cors.js';
import { findToken } from '../../core/tokens/lookup.js';
import { stringField } from '../context.js';

/** How long a browser may reuse a preflight answer (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE = 600;
const ALLOW_HEADERS = 'Authorization, Content-Type, DPoP';
/** Lets an app read why a bearer token was refused (RFC 6750 §3). */
const EXPOSE_HEADERS = 'WWW-Authenticate, DPoP-Nonce';

/** Finds the client a request is for, or null when it names none. */
type ClientOf = (request: FastifyRequest, tenant: string, server: string) => Promise<string | null>;

type Policy = { kind: 'public' } | { kind: 'client'; clientOf: ClientOf };

type TenantServer = { tenant?: string; server?: string };

/** The route's tenant and server (this plugin serves routes of several shapes). */
function tenantServer(request: FastifyRequest): TenantServer {
  return { tenant: stringField(request.params, 'tenant'), server: stringField(request.params, 'server') };
}

/** Token and revocation requests name their client (Basic or client_id). */
const clientOfBody: ClientOf = async (request) =>
  requestClientId({ client_id: stringField(request.body, 'client_id') }, request.headers.authorization);

/**
 * Userinfo requests name no client: the access token does. The token is resolved and its
 * client decides, so one app's origin cannot read the claims behind another app's token. (The
 * looser choice, any origin some client of the server allows, would let any registered app's
 * page use a token it obtained from a different app.)
 */
const clientOfToken: ClientOf = async (request, tenant, server) => {
  const h = request.headers.authorization;
  // Bearer (RFC 6750) or DPoP (RFC 9449 §7.1): the token follows the scheme either way.
  const scheme = h ? /^(bearer|dpop) /i.exec(h) : null;
  const token = h && scheme ? h.slice(scheme[0].length).trim() : stringField(request.body, 'access_token');
  if (token === undefined || token === '') return null;
  const { deps } = request.server.pixie;
  const rs = await deps.directory.resolve(tenant, server);
  if (!rs) return null;
  return (await findToken(deps, rs, token))?.clientId ?? null;
};

function policyFor(url: string): Policy | null {
  if (url.includes('/.well-known/')) return { kind: 'public' };
  if (url === '/:tenant/:server/oauth2/token' || url === '/:tenant/:server/oauth2/revoke') return { kind: 'client', clientOf: clientOfBody };
  if (url === '/:tenant/:server/userinfo') return { kind: 'client', clientOf: clientOfToken };
  return null;
}

function varyOrigin(reply: FastifyReply): void {
  const vary = reply.getHeader('vary');
  if (vary === undefined) reply.header('vary', 'Origin');
  else if (!/(^|,)\s*(origin|\*)\s*(,|$)/i.test(String(vary))) reply.header('vary', `${String(vary)}, Origin`);
}

function originOf(request: FastifyRequest): string | null {
  const origin = request.headers.origin;
  return typeof origin === 'string' && origin !== '' ? origin : null;
}

/**
 * Does some client of this authorization server allow the origin? The server is resolved first
 * (as every endpoint does), so made-up tenant and server names cost no client query.
 */
async function serverAllows(app: FastifyInstance, params: TenantServer, origin: string): Promise<boolean> {
  const { tenant, server } = params;
  if (!tenant || !server) return false;
  const { deps } = app.pixie;
  if (!(await deps.directory.resolve(tenant, server))) return false;
  return originAllowedOnServer(deps, tenant, server, origin);
}

/**
 * May this origin read the answer? It must be allowed by some client of the server (as for the
 * preflight), and by the request's own client when the request names one. A request naming no
 * client Pixie knows (no client id, unknown client, unknown token) fails, and its error answer
 * (which carries no data) stays readable so the app can tell what went wrong.
 */
async function mayRead(request: FastifyRequest, reply: FastifyReply, origin: string, clientOf: ClientOf): Promise<boolean> {
  const { tenant, server } = tenantServer(request);
  if (!tenant || !server || !(await serverAllows(request.server, { tenant, server }, origin))) return false;
  const clientId = await clientOf(request, tenant, server);
  const allowed = clientId === null ? null : await originAllowedForClient(request.server.pixie.deps, tenant, server, clientId, origin);
  return allowed ?? reply.statusCode >= 400;
}

/**
 * A callback hook, like the commit hook in app.ts: requests without `Origin` (servers, CLIs) are
 * most token requests and then cost no promise.
 */
function onSendFor(policy: Policy) {
  return (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void => {
    varyOrigin(reply);
    if (policy.kind === 'public') {
      reply.header('access-control-allow-origin', '*');
      return done(null, payload);
    }
    const origin = originOf(request);
    if (!origin) return done(null, payload);
    void mayRead(request, reply, origin, policy.clientOf).then((allowed) => {
      if (allowed) reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', EXPOSE_HEADERS);
    }, (err: unknown) => {
      // The answer itself is ready; without the header the browser withholds it, which is safe.
      request.log.error({ err }, 'CORS decision failed');
    }).then(() => done(null, payload));
  };
}

function preflightRoute(app: FastifyInstance, url: string, policy: Policy, methods: Set<string>): void {
  app.options(url, async (request, reply) => {
    varyOrigin(reply);
    const allow = [...methods].join(', ');
    reply.header('allow', `${allow}, OPTIONS`);
    const origin = originOf(request);
    const allowed = policy.kind === 'public' || (origin !== null && await serverAllows(app, tenantServer(request), origin));
    if (allowed) {
      reply.header('access-control-allow-origin', policy.kind === 'public' ? '*' : origin!)
        .header('access-control-allow-methods', allow)
        .header('access-control-allow-headers', ALLOW_HEADERS)
        .header('access-control-max-age', String(PREFLIGHT_MAX_AGE));
    }
    return reply.status(204).send();
  });
}

/** Register before the routes: each CORS route gets its hook and one OPTIONS route per URL. */
export function registerCors(app: FastifyInstance): void {
  const preflights = new Map<string, { policy: Policy; methods: Set<string> }>();
  app.addHook('onRoute', (route: RouteOptions) => {
    const policy = policyFor(route.url ?? '');
    const methods = [route.method].flat().map((m) => m.toUpperCase()).filter((m) => m !== 'OPTIONS');
    if (!policy || methods.length === 0) return;
    // Discovery and JWKS are read-only documents: their GET (and HEAD) only.
    if (policy.kind === 'public' && methods.some((m) => m !== 'GET' && m !== 'HEAD')) return;
    route.onSend = [...[route.onSend ?? []].flat(), onSendFor(policy)];
    // HEAD comes with every GET route; only the documents list it (nobody HEADs userinfo).
    const listed = methods.filter((m) => m !== 'HEAD' || policy.kind === 'public');
    const url = route.url;
    const known = preflights.get(url);
    if (known) {
      // The OPTIONS route reads this set, so methods registered later still show.
      for (const m of listed) known.methods.add(m);
      return;
    }
    const entry = { policy, methods: new Set(listed) };
    preflights.set(url, entry);
    preflightRoute(app, url, policy, entry.methods);
  });
}
