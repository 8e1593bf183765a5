/**
 * The verification page of the device authorization grant (RFC 8628 §3.3):
 * `{issuer}/device` takes the user code (prefilled from `verification_uri_complete`), then the
 * browser goes through the same sign-in and consent pages as the code flow; `{issuer}/device/done`
 * tells the user to return to their device.
 */
import type { FastifyReply, FastifyRequest, FastifyInstance } from 'fastify';
import { enterUserCode } from '../../../core/device/verify.js';
import { AppError } from '../../../core/errors.js';
import { Type } from '../../../vendor/typebox.js';
import { Form, resolveServer, TenantServerParams } from '../../context.js';
import { oauthPolicy } from '../../endpoint-policy.js';
import { sendPage } from '../../plugins/page-headers.js';
import { checkCsrf, csrfToken, currentSession } from '../../plugins/session.js';
import { typed } from '../../type-provider.js';
import { deviceCodePage, deviceDonePage } from '../../views/device.js';
import { outcomeRedirect } from '../oauth/authorize.js';

const DeviceQuery = Type.Object({ user_code: Type.Optional(Type.String({ maxLength: 40 })) });
const DeviceForm = Form('csrf', 'user_code');
const DoneQuery = Type.Object({ result: Type.Union([Type.Literal('approved'), Type.Literal('denied')]) });

async function renderCodeForm(
  request: FastifyRequest, reply: FastifyReply, params: { tenant: string; server: string }, userCode: string, status = 200, error: string | null = null,
): Promise<FastifyReply> {
  return sendPage(reply, status, deviceCodePage({
    csrf: await csrfToken(request, reply), action: `/${params.tenant}/${params.server}/device`, userCode, error,
  }));
}

export function deviceRoutes(app: FastifyInstance): void {
  const r = typed(app);
  const config = { errorFormat: 'page' as const };
  r.get('/:tenant/:server/device', { schema: { params: TenantServerParams, querystring: DeviceQuery }, config }, async (request, reply) => {
    await resolveServer(app, request.params.tenant, request.params.server);
    return renderCodeForm(request, reply, request.params, request.query.user_code ?? '');
  });

  r.post('/:tenant/:server/device', { schema: { params: TenantServerParams, body: DeviceForm }, config }, async (request, reply) => {
    await checkCsrf(request, request.body.csrf);
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    const entered = (request.body.user_code ?? '').slice(0, 40);
    const session = await currentSession(request, rs.server.tenantId);
    const { config: c, deps } = app.pixie;
    const limits = { ip: request.ip, perIp: c.pendingSignInsPerIp, total: c.pendingSignInsMax };
    try {
      return outcomeRedirect(reply.code(303), await enterUserCode(deps, rs, oauthPolicy(rs), entered, session, limits));
    } catch (err) {
      // A wrong or throttled code is shown on the form again, with what was typed.
      if (!(err instanceof AppError) || (err.code !== 'validation_failed' && err.code !== 'rate_limited')) throw err;
      if (err.retryAfter !== null) reply.header('retry-after', String(err.retryAfter));
      return renderCodeForm(request, reply, request.params, entered, err.status, err.message);
    }
  });

  r.get('/:tenant/:server/device/done', { schema: { params: TenantServerParams, querystring: DoneQuery }, config }, async (request, reply) => {
    await resolveServer(app, request.params.tenant, request.params.server);
    return sendPage(reply, 200, deviceDonePage(request.query.result));
  });
}
