/** /apps: a signed-in user's API applications — list, create, settings, delete. */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../../core/errors.js';
import type { Client, User } from '../../../core/types.js';
import {
  createApp, deleteApp, getOwnedApp, listApps, newAppSettings, settingsOf, updateApp, type AppSettings,
} from '../../../portal/apps.js';
import { listCredentials, type CredentialKind, type IssuedCredential } from '../../../credentials/service.js';
import { Form } from '../../context.js';
import { sendPage } from '../../plugins/page-headers.js';
import { checkCsrf, csrfToken } from '../../plugins/session.js';
import { html } from '../../views/html.js';
import { appPage, confirmPage } from '../../views/portal-app.js';
import { appsPage, newAppPage } from '../../views/portal-apps.js';
import { typed } from '../../type-provider.js';
import { AppParams, DoneQuery, loginSuccess, noticeFor, PAGE, portalScope, signedInUser, toLogin } from './common.js';

/** The application form (checkboxes are sent as `on` when ticked, not at all otherwise). */
const AppForm = Form(
  'csrf', 'type', 'name', 'description', 'oauth_domain', 'redirect_uris', 'post_logout_redirect_uris', 'allowed_origins',
  'grant_code', 'grant_code_pkce', 'grant_implicit', 'grant_client_credentials', 'allow_no_expiry', 'non_web_redirect',
  'dpop_bound_access_tokens',
  'grant_device_code',
);
type AppFormData = Static<typeof AppForm>;

function on(b: AppFormData, name: keyof AppFormData): boolean {
  return b[name] === 'on';
}

function settingsFromForm(b: AppFormData): AppSettings {
  return {
    name: b.name ?? '', description: b.description ?? '', oauthDomain: b.oauth_domain ?? '', redirectUris: b.redirect_uris ?? '',
    postLogoutRedirectUris: b.post_logout_redirect_uris ?? '',
    allowedOrigins: b.allowed_origins ?? '',
    grants: {
      authorizationCode: on(b, 'grant_code'), authorizationCodePkce: on(b, 'grant_code_pkce'),
      implicit: on(b, 'grant_implicit'), clientCredentials: on(b, 'grant_client_credentials'),
      deviceCode: on(b, 'grant_device_code'),
    },
    allowNoExpiry: on(b, 'allow_no_expiry'), nonWebRedirect: on(b, 'non_web_redirect'),
    dpopBoundAccessTokens: on(b, 'dpop_bound_access_tokens'),
  };
}

export interface AppPageExtras {
  status?: number;
  issued?: IssuedCredential | null;
  message?: string | null;
  error?: string | null;
  errorAt?: 'settings' | CredentialKind | null;
  settings?: AppSettings;
}

/** The application page; also the answer to a form on it (with the error, or the value shown once). */
export async function renderApp(
  request: FastifyRequest, reply: FastifyReply, user: User, app: Client, x: AppPageExtras = {},
): Promise<FastifyReply> {
  const deps = request.server.pixie.deps;
  const { apiKeys, secrets } = await listCredentials(deps, app);
  return sendPage(reply, x.status ?? 200, appPage({
    username: user.username, now: deps.clock.now(), csrf: await csrfToken(request, reply), app,
    settings: x.settings ?? settingsOf(app), apiKeys, secrets, issued: x.issued ?? null,
    loginSuccess: loginSuccess(request.server), message: x.message ?? null, error: x.error ?? null, errorAt: x.errorAt ?? null,
  }));
}

export function appRoutes(app: FastifyInstance): void {
  const deps = app.pixie.deps;
  const scope = () => portalScope(app);
  const r = typed(app);
  const opts = { config: PAGE };
  const item = { config: PAGE, schema: { params: AppParams } };
  const post = { config: PAGE, schema: { params: AppParams, body: AppForm } };

  r.get('/apps', { config: PAGE, schema: { querystring: DoneQuery } }, async (request, reply) => {
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    const apps = await listApps(deps, scope(), user.id);
    return sendPage(reply, 200, appsPage({ username: user.username, now: deps.clock.now() }, apps, noticeFor(request.query.done)));
  });

  r.get('/apps/new', opts, async (request, reply) => {
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    return sendPage(reply, 200, newAppPage({
      username: user.username, now: deps.clock.now(), csrf: await csrfToken(request, reply), settings: newAppSettings(false),
      isPublic: false, loginSuccess: loginSuccess(app), error: null,
    }));
  });

  r.post('/apps', { config: PAGE, schema: { body: AppForm } }, async (request, reply) => {
    await checkCsrf(request, request.body.csrf);
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    const isPublic = request.body.type === 'public';
    const settings = { ...settingsFromForm(request.body), grants: newAppSettings(isPublic).grants };
    try {
      const created = await createApp(deps, scope(), user.id, isPublic, settings);
      return reply.redirect(`/apps/${created.clientId}?done=created`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'validation_failed') throw err;
      return sendPage(reply, 400, newAppPage({
        username: user.username, now: deps.clock.now(), csrf: await csrfToken(request, reply), settings, isPublic,
        loginSuccess: loginSuccess(app), error: err.message,
      }));
    }
  });

  r.get('/apps/:clientId', { config: PAGE, schema: { params: AppParams, querystring: DoneQuery } }, async (request, reply) => {
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    const client = await getOwnedApp(deps, scope(), user.id, request.params.clientId);
    return renderApp(request, reply, user, client, { message: noticeFor(request.query.done) });
  });

  r.post('/apps/:clientId', post, async (request, reply) => {
    await checkCsrf(request, request.body.csrf);
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    const settings = settingsFromForm(request.body);
    try {
      await updateApp(deps, scope(), user.id, request.params.clientId, settings);
      return reply.redirect(`/apps/${request.params.clientId}?done=saved#oauth`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'validation_failed') throw err;
      const client = await getOwnedApp(deps, scope(), user.id, request.params.clientId);
      return renderApp(request, reply, user, client, { status: 400, settings, error: err.message, errorAt: 'settings' });
    }
  });

  r.get('/apps/:clientId/delete', item, async (request, reply) => {
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    const client = await getOwnedApp(deps, scope(), user.id, request.params.clientId);
    return sendPage(reply, 200, confirmPage({
      username: user.username, now: deps.clock.now(), csrf: await csrfToken(request, reply),
      title: `Delete ${client.name}?`,
      message: html`<p>This deletes the application <strong>${client.name}</strong> (client ID <code>${client.clientId}</code>) for good.</p>
<p>Every API key, client secret and access token of the application stops working at once, and users who authorized it are signed out of it.</p>`,
      action: `/apps/${client.clientId}/delete`, confirmLabel: 'Delete application', cancelHref: `/apps/${client.clientId}`,
    }));
  });

  r.post('/apps/:clientId/delete', { config: PAGE, schema: { params: AppParams, body: Form('csrf') } }, async (request, reply) => {
    await checkCsrf(request, request.body.csrf);
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    await deleteApp(deps, scope(), user.id, request.params.clientId);
    return reply.redirect('/apps?done=deleted', 303);
  });
}
