/** /account: authorized applications, and revoking one with its tokens. */
import type { FastifyInstance } from 'fastify';
import { findAuthorizedApp, listAuthorizedApps, revokeAuthorization } from '../../../portal/account.js';
import { Form } from '../../context.js';
import { sendPage } from '../../plugins/page-headers.js';
import { checkCsrf, csrfToken } from '../../plugins/session.js';
import { accountPage } from '../../views/account.js';
import { html } from '../../views/html.js';
import { confirmPage } from '../../views/portal-app.js';
import { typed } from '../../type-provider.js';
import { displayName, DoneQuery, GrantParams, noticeFor, PAGE, portalScope, signedInUser, toLogin } from './common.js';

export function accountRoutes(app: FastifyInstance): void {
  const deps = app.pixie.deps;
  const tenant = () => portalScope(app).tenantId;

  const r = typed(app);
  r.get('/account', { config: PAGE, schema: { querystring: DoneQuery } }, async (request, reply) => {
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    const apps = await listAuthorizedApps(deps, tenant(), user.id);
    return sendPage(reply, 200, accountPage({
      username: user.username, now: deps.clock.now(), displayName: displayName(user), email: user.email, apps,
      message: noticeFor(request.query.done),
    }));
  });

  r.get('/account/authorizations/:grantId/revoke', { config: PAGE, schema: { params: GrantParams } }, async (request, reply) => {
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    const a = await findAuthorizedApp(deps, tenant(), user.id, request.params.grantId);
    return sendPage(reply, 200, confirmPage({
      username: user.username, now: deps.clock.now(), csrf: await csrfToken(request, reply),
      title: `Revoke access for ${a.name}?`,
      message: html`<p><strong>${a.name}</strong> will no longer be able to act on your behalf: every token it holds stops working at once.</p>
<p>If you use it again, it will ask for your permission again.</p>`,
      action: `/account/authorizations/${a.grantId}/revoke`, confirmLabel: 'Revoke access', cancelHref: '/account',
    }));
  });

  r.post('/account/authorizations/:grantId/revoke', {
    config: PAGE, schema: { params: GrantParams, body: Form('csrf') },
  }, async (request, reply) => {
    await checkCsrf(request, request.body.csrf);
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    await revokeAuthorization(deps, tenant(), user.id, request.params.grantId);
    return reply.redirect('/account?done=access_revoked', 303);
  });
}
