/** /apps/{id}/api-keys and /apps/{id}/secrets: generate (shown once), set expiry, revoke. */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../core/errors.js';
import { getOwnedApp } from '../../../portal/apps.js';
import {
  findCredential, issueCredential, revokeCredential, setCredentialExpiry, type CredentialKind,
} from '../../../portal/credentials.js';
import { Form, noStore } from '../../context.js';
import { sendPage } from '../../plugins/page-headers.js';
import { checkCsrf, csrfToken } from '../../plugins/session.js';
import { html } from '../../views/html.js';
import { confirmPage, expiryPage, KIND_NAME, KIND_PATH } from '../../views/portal-app.js';
import { renderApp } from './apps.js';
import { typed } from '../../type-provider.js';
import { CredentialParams, KindParams, PAGE, portalScope, signedInUser, toLogin } from './common.js';

const CredentialForm = Form('csrf', 'name', 'expires_on');

function kindOf(path: string): CredentialKind {
  if (path === KIND_PATH['api-key']) return 'api-key';
  if (path === KIND_PATH.secret) return 'secret';
  throw new AppError('not_found', 'This page does not exist.');
}

export function credentialRoutes(app: FastifyInstance): void {
  const deps = app.pixie.deps;
  const scope = () => portalScope(app);
  const r = typed(app);
  const opts = { config: PAGE, schema: { params: CredentialParams } };
  const post = { config: PAGE, schema: { params: CredentialParams, body: CredentialForm } };

  r.post('/apps/:clientId/:kind', { config: PAGE, schema: { params: KindParams, body: CredentialForm } }, async (request, reply) => {
    await checkCsrf(request, request.body.csrf);
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    const kind = kindOf(request.params.kind);
    const { clientId } = request.params;
    try {
      const issued = await issueCredential(deps, scope(), user.id, clientId, kind, {
        name: request.body.name ?? '', expiresOn: request.body.expires_on ?? '',
      });
      // Answered on this response, not after a redirect: the value exists nowhere else.
      const client = await getOwnedApp(deps, scope(), user.id, clientId);
      return renderApp(request, noStore(reply), user, client, { status: 201, issued });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'validation_failed') throw err;
      const client = await getOwnedApp(deps, scope(), user.id, clientId);
      return renderApp(request, reply, user, client, { status: 400, error: err.message, errorAt: kind });
    }
  });

  r.get('/apps/:clientId/:kind/:id/revoke', opts, async (request, reply) => {
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    const kind = kindOf(request.params.kind);
    const { app: client, credential } = await findCredential(deps, scope(), user.id, request.params.clientId, kind, request.params.id);
    const what = KIND_NAME[kind];
    return sendPage(reply, 200, confirmPage({
      username: user.username, now: deps.clock.now(), csrf: await csrfToken(request, reply),
      title: `Revoke ${what} “${credential.name}”?`,
      message: html`<p>The ${what} <code>${credential.displayPrefix}…</code> of <strong>${client.name}</strong> stops working at once.
${kind === 'secret' ? 'Token requests that send it will be refused.' : 'API requests that send it will be refused.'}</p><p>This cannot be undone.</p>`,
      action: `/apps/${client.clientId}/${KIND_PATH[kind]}/${credential.id}/revoke`,
      confirmLabel: `Revoke ${what}`, cancelHref: `/apps/${client.clientId}#${KIND_PATH[kind]}`,
    }));
  });

  r.post('/apps/:clientId/:kind/:id/revoke', post, async (request, reply) => {
    await checkCsrf(request, request.body.csrf);
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    const kind = kindOf(request.params.kind);
    await revokeCredential(deps, scope(), user.id, request.params.clientId, kind, request.params.id);
    return reply.redirect(`/apps/${request.params.clientId}?done=revoked#${KIND_PATH[kind]}`, 303);
  });

  r.get('/apps/:clientId/:kind/:id/expiry', opts, async (request, reply) => {
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    const kind = kindOf(request.params.kind);
    const { app: client, credential } = await findCredential(deps, scope(), user.id, request.params.clientId, kind, request.params.id);
    return sendPage(reply, 200, expiryPage({
      username: user.username, now: deps.clock.now(), csrf: await csrfToken(request, reply), app: client, kind, credential, error: null,
    }));
  });

  r.post('/apps/:clientId/:kind/:id/expiry', post, async (request, reply) => {
    await checkCsrf(request, request.body.csrf);
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    const kind = kindOf(request.params.kind);
    const { clientId, id } = request.params;
    try {
      await setCredentialExpiry(deps, scope(), user.id, clientId, kind, id, request.body.expires_on ?? '');
      return reply.redirect(`/apps/${clientId}?done=expiry#${KIND_PATH[kind]}`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'validation_failed') throw err;
      const { app: client, credential } = await findCredential(deps, scope(), user.id, clientId, kind, id);
      return sendPage(reply, 400, expiryPage({
        username: user.username, now: deps.clock.now(), csrf: await csrfToken(request, reply), app: client, kind, credential, error: err.message,
      }));
    }
  });
}
