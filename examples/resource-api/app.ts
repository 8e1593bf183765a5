/**
 * A small API secured with `@pixie-auth/verify`, following the Stack Exchange API rules:
 * - `key` alone (an API key) reads public data;
 * - `key` + `access_token` (query, or `Authorization: Bearer`) reads the user's own data;
 * - writes need the `write_access` scope, the inbox needs `read_inbox`;
 * - every response carries `quota_max` and `quota_remaining`; registered apps (valid key) get the larger quota;
 * - with `resource`, the API has its own resource identifier (RFC 8707): it publishes its
 *   protected-resource metadata (RFC 9728), its 401s point to it, and only tokens issued for it
 *   (`aud`) are accepted.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  createVerifier, extractPkceVerifier, extractToken, MissingTokenError, protectedResource, VerifyError, type VerifiedCredential, type VerifierOptions,
} from '@pixie-auth/verify';
import { answers, inboxOf, QUESTIONS } from './data.js';
import { Quotas, type QuotaLimits, type QuotaState } from './quota.js';

export interface ResourceApiOptions {
  verifier: VerifierOptions;
  /** This API's resource identifier, e.g. `https://api.example.com/`: tokens must be issued for it. */
  resource?: string;
  quotas?: QuotaLimits;
  now?: () => number;
}

interface Caller { app: VerifiedCredential | null; user: VerifiedCredential | null; quota: QuotaState }

declare module 'fastify' {
  interface FastifyRequest { caller: Caller }
}

/** Stack Exchange–style error body (error_id, error_name, error_message). */
class ApiError extends Error {
  constructor(readonly status: number, readonly errorId: number, readonly errorName: string, message: string, readonly challenge?: string) {
    super(message);
  }
}

export function buildResourceApi(opts: ResourceApiOptions): FastifyInstance {
  const verifier = createVerifier({ ...opts.verifier, ...(opts.resource ? { resource: opts.resource } : {}) });
  const challenge = (err: VerifyError) => err.wwwAuthenticate('resource-api', { resourceMetadata: verifier.resourceMetadataUrl });
  const fromVerify = (err: VerifyError, name: string, id: number) => new ApiError(err.status, id, name, err.description, challenge(err));
  const quotas = new Quotas(opts.quotas ?? { anonymous: 300, registered: 10_000 }, opts.now ?? (() => Math.floor(Date.now() / 1000)));
  const app = Fastify({ logger: false });
  app.decorateRequest('caller', null as unknown as Caller);
  // RFC 9728: which authorization server issues tokens for this API, at /.well-known/oauth-protected-resource.
  if (opts.resource) {
    protectedResource({
      resource: opts.resource, authorizationServers: [opts.verifier.issuer], scopes: ['read_inbox', 'write_access', 'private_info'],
      bearerMethods: ['header', 'query'], resourceName: 'Example questions API',
    }).fastify(app);
  }

  // Who is calling: the app (by its API key) decides the quota; a bad key is an error, not anonymous.
  app.addHook('onRequest', async (request) => {
    const query = request.query as Record<string, unknown>;
    const key = typeof query.key === 'string' ? query.key : undefined;
    let appKey: VerifiedCredential | null = null;
    let keyError: ApiError | null = null;
    if (key !== undefined) {
      try {
        appKey = await verifier.verify(key, { accept: ['api_key'] });
      } catch (err) {
        if (!(err instanceof VerifyError)) throw err;
        keyError = new ApiError(400, 400, 'bad_parameter', `key is not a valid API key: ${err.description}`);
      }
    }
    const quota = quotas.take(appKey ? { app: appKey.clientId } : { ip: request.ip });
    request.caller = { app: appKey, user: null, quota: { quota_max: quota.quota_max, quota_remaining: quota.quota_remaining } };
    if (quota.exceeded) throw new ApiError(429, 502, 'throttle_violation', 'the daily quota is used up; register an app and send its key for a larger one');
    if (keyError) throw keyError;
  });

  /** A user's token, checked against the key's application. */
  const user = (scopes: string[] = []) => async (request: FastifyRequest) => {
    let token: string | undefined;
    try {
      token = extractToken(request.headers, request.query, { allowQueryToken: true });
    } catch (err) {
      throw new ApiError(400, 400, 'bad_parameter', (err as VerifyError).description);
    }
    if (token === undefined) throw new ApiError(401, 401, 'access_token_required', 'this method needs an access_token', challenge(new MissingTokenError()));
    if (!request.caller.app) throw new ApiError(400, 405, 'key_required', 'an access_token must be sent together with its application\'s key');
    let who: VerifiedCredential;
    try {
      who = await verifier.verify(token, { scopes, pkceVerifier: extractPkceVerifier(request.headers) });
    } catch (err) {
      if (!(err instanceof VerifyError)) throw err;
      throw err.code === 'insufficient_scope' ? fromVerify(err, 'access_denied', 403) : fromVerify(err, 'invalid_access_token', 401);
    }
    if (who.clientId !== request.caller.app.clientId) {
      throw new ApiError(403, 403, 'access_denied', 'the access_token was issued to another application than this key');
    }
    request.caller.user = who;
  };

  // Every answer, errors included, carries the caller's quota.
  app.addHook('preSerialization', async (request: FastifyRequest, _reply, payload: unknown) => {
    if (typeof payload !== 'object' || payload === null || !request.caller) return payload;
    return { ...payload, ...request.caller.quota };
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, _request, reply: FastifyReply) => {
    const e = err instanceof ApiError ? err : new ApiError(err.statusCode && err.statusCode < 500 ? err.statusCode : 500, 500, 'internal_error', err.statusCode && err.statusCode < 500 ? err.message : 'an unexpected error happened');
    if (e.challenge) reply.header('www-authenticate', e.challenge);
    return reply.status(e.status).send({ error_id: e.errorId, error_name: e.errorName, error_message: e.message });
  });

  app.get('/2.3/questions', async () => ({ items: QUESTIONS, has_more: false }));
  app.get('/2.3/me', { preHandler: user() }, async (request) => ({
    items: [{ user_id: request.caller.user!.subject, scopes: request.caller.user!.scopes }], has_more: false,
  }));
  app.get('/2.3/me/inbox', { preHandler: user(['read_inbox']) }, async (request) => ({ items: inboxOf(request.caller.user!.subject), has_more: false }));
  app.post<{ Params: { id: string }; Body: { body?: string } }>('/2.3/questions/:id/answers/add', { preHandler: user(['write_access']) }, async (request, reply) => {
    const id = Number(request.params.id);
    if (!QUESTIONS.some((q) => q.question_id === id)) throw new ApiError(404, 404, 'no_method', `no question ${request.params.id}`);
    const body = typeof request.body?.body === 'string' ? request.body.body : '';
    if (body.length < 5) throw new ApiError(400, 400, 'bad_parameter', 'body must be at least 5 characters');
    const answer = { question_id: id, body, owner: request.caller.user!.subject };
    answers.push(answer);
    return reply.status(201).send({ items: [answer], has_more: false });
  });
  return app;
}
