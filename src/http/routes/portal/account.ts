/** /account: authorized applications, and revoking one with its tokens. */
import type { FastifyInstance } from 'fastify';
import { findAuthorizedApp, listAuthorizedApps, revokeAuthorization } from '../../../portal/account.js';
import { FormBody } from '../../context.js';
import { sendPage } from '../../plugins/page-headers.js';
import { checkCsrf, csrfToken } from '../../plugins/session.js';
import { accountPage } from '../../views/account.js';
import { html } from '../../views/html.js';
import { confirmPage } from '../../views/portal-app.js';
import { displayName, noticeFor, PAGE, portalScope, signedInUser, toLogin } from './common.js';

type GrantParams = { Params: { grantId: string } };

export function accountRoutes(app: FastifyInstance): void {
  const deps = app.pixie.deps;
  const tenant = () => portalScope(app).tenantId;

  app.get<{ Querystring: { done?: string } }>('/account', { config: PAGE }, async (request, reply) => {
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    const apps = await listAuthorizedApps(deps, tenant(), user.id);
    return sendPage(reply, 200, accountPage({
      username: user.username, now: deps.clock.now(), displayName: displayName(user), email: user.email, apps,
      message: noticeFor(request.query.done),
    }));
  });

  app.get<GrantParams>('/account/authorizations/:grantId/revoke', { config: PAGE }, async (request, reply) => {
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

  app.post<GrantParams & { Body: Record<string, string | undefined> }>('/account/authorizations/:grantId/revoke', {
    config: PAGE, schema: { body: FormBody },
  }, async (request, reply) => {
    await checkCsrf(request, request.body.csrf);
    const user = await signedInUser(request);
    if (!user) return toLogin(request, reply);
    await revokeAuthorization(deps, tenant(), user.id, request.params.grantId);
    return reply.redirect('/account?done=access_revoked', 303);
  });
}
