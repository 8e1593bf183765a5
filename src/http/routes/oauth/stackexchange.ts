/**
 * The Stack Exchange–compatible endpoints at the root, served by the
 * tenant/server of config.stackExchangeTenant/Server on top of the same core:
 * `/oauth` (code grant), `/oauth/dialog` (implicit, opt-in per app), `/oauth/access_token`
 * (form-encoded answer) and `/oauth/access_token/json`, `/oauth/login_success` (non-web apps).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ResolvedServer } from '../../../core/directory.js';
import { InvalidRequest } from '../../../core/errors.js';
import { handleTokenRequest } from '../../../core/token/endpoint.js';
import type { TokenResponse } from '../../../core/token/types.js';
import { Type } from '../../../vendor/typebox.js';
import { isForm, noStore, RepeatableQuery, resolveServer } from '../../context.js';
import { dpopRequest } from '../../dpop.js';
import { stackExchangePolicy } from '../../endpoint-policy.js';
import { sendPage } from '../../plugins/page-headers.js';
import { typed } from '../../type-provider.js';
import { loginSuccessPage } from '../../views/login-success.js';
import { AuthorizeParams, handleAuthorize } from './authorize.js';
import { TokenForm } from './token.js';

type Params = Record<string, string | undefined>;

/** The token request: in a form body, in the URL of the POST, or split between them. */
const TokenRequest = {
  // No body at all is allowed: every parameter may be in the URL.
  body: Type.Union([TokenForm, Type.Null()]),
  querystring: TokenForm,
};

/** What /oauth/login_success shows; anything else (or a repeated value) is not shown. */
const LoginSuccessQuery = RepeatableQuery('code', 'state', 'error', 'error_description');

function seServer(app: FastifyInstance): Promise<ResolvedServer> {
  const { stackExchangeTenant, stackExchangeServer } = app.pixie.config;
  return resolveServer(app, stackExchangeTenant, stackExchangeServer);
}

/**
 * Stack Exchange clients send the parameters in a form body, or "as query parameters in
 * the URL" of the POST. Both are accepted (logged URLs are masked); a parameter sent in both
 * places is ambiguous and refused. Stack Exchange clients send no grant_type: the code grant.
 */
function tokenParams(request: FastifyRequest, body: Params, query: Params): Params {
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (hasBody && !isForm(request)) throw new InvalidRequest('token requests must be application/x-www-form-urlencoded');
  for (const k of Object.keys(query)) {
    if (k in body) throw new InvalidRequest(`parameter "${k.slice(0, 40)}" was sent both in the URL and in the body`);
  }
  const params = { ...query, ...body };
  params.grant_type ??= 'authorization_code';
  return params;
}

/** As on Stack Exchange: `expires` is the seconds left, and is absent for a `no_expiry` token. */
function expiresField(res: TokenResponse): { expires?: number } {
  return res.expires_in !== undefined ? { expires: res.expires_in } : {};
}

async function exchange(
  app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, body: Params | null, query: Params,
): Promise<TokenResponse> {
  const rs = await seServer(app);
  return handleTokenRequest(app.pixie.deps, app.pixie.registry, rs, {
    params: tokenParams(request, body ?? {}, query), authorization: request.headers.authorization, policy: stackExchangePolicy(rs.server.settings),
    dpop: dpopRequest(request), onDpopNonce: (nonce) => { reply.header('dpop-nonce', nonce); },
  });
}

export function stackExchangeRoutes(app: FastifyInstance): void {
  const r = typed(app);
  const page = { errorFormat: 'page' as const };
  r.get('/oauth', { schema: { querystring: AuthorizeParams }, config: page }, async (request, reply) => {
    const raw = request.query;
    // Stack Exchange clients never send response_type on /oauth: it is the code grant.
    const rs = await seServer(app);
    return handleAuthorize(request, reply, rs, raw, stackExchangePolicy(rs.server.settings), raw.response_type === undefined ? { response_type: 'code' } : {});
  });
  r.get('/oauth/dialog', { schema: { querystring: AuthorizeParams }, config: page }, async (request, reply) => {
    // The implicit grant; validation refuses apps that did not enable it.
    const rs = await seServer(app);
    return handleAuthorize(request, reply, rs, request.query, stackExchangePolicy(rs.server.settings), { response_type: 'token' });
  });

  r.post('/oauth/access_token', { schema: TokenRequest, config: { errorFormat: 'oauth-form' } }, async (request, reply: FastifyReply) => {
    const res = await exchange(app, request, reply, request.body, request.query);
    const body = new URLSearchParams({ access_token: res.access_token });
    const { expires } = expiresField(res);
    if (expires !== undefined) body.set('expires', String(expires));
    return noStore(reply).type('application/x-www-form-urlencoded').send(body.toString());
  });
  r.post('/oauth/access_token/json', { schema: TokenRequest, config: { errorFormat: 'oauth-json' } }, async (request, reply: FastifyReply) => {
    const res = await exchange(app, request, reply, request.body, request.query);
    return noStore(reply).send({ ...res, ...expiresField(res) });
  });

  r.get('/oauth/login_success', { schema: { querystring: LoginSuccessQuery }, config: page }, async (request, reply) => {
    const q = request.query;
    const pick = (k: 'code' | 'state' | 'error' | 'error_description') => {
      const v = q[k];
      return typeof v === 'string' ? v.slice(0, 2000) : null;
    };
    const error = pick('error');
    return sendPage(reply, 200, loginSuccessPage({
      code: pick('code'), state: pick('state'), error, errorDescription: pick('error_description'),
    }));
  });
}
