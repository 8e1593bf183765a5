/** What every portal page needs: the signed-in user, the portal's server, and one-line notices. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loginSuccessUri } from '../../../core/redirect-uri.js';
import type { User } from '../../../core/types.js';
import { activeUser } from '../../../portal/account.js';
import type { PortalScope } from '../../../portal/apps.js';
import { Type } from '../../../vendor/typebox.js';
import { currentSession } from '../../plugins/session.js';
import { safeReturnTo } from '../pages/login.js';

export const PAGE = { errorFormat: 'page' as const };

/** `?done=…` after a form: which notice to show (an unknown one shows none). */
export const DoneQuery = Type.Object({ done: Type.Optional(Type.String({ maxLength: 100 })) });
const PathId = Type.String({ minLength: 1, maxLength: 200 });
export const AppParams = Type.Object({ clientId: PathId });
/** `kind` is the path of a credential kind (`api-keys`, `secrets`); anything else is not found. */
export const KindParams = Type.Object({ clientId: PathId, kind: PathId });
export const CredentialParams = Type.Object({ clientId: PathId, kind: PathId, id: PathId });
export const GrantParams = Type.Object({ grantId: PathId });

/** Apps are registered on the server behind the Stack Exchange endpoints. */
export function portalScope(app: FastifyInstance): PortalScope {
  return { tenantId: app.pixie.config.stackExchangeTenant, serverId: app.pixie.config.stackExchangeServer };
}

export function loginSuccess(app: FastifyInstance): string {
  return loginSuccessUri(app.pixie.deps.publicUrl);
}

export async function signedInUser(request: FastifyRequest): Promise<User | null> {
  const { tenantId } = portalScope(request.server);
  const session = await currentSession(request, tenantId);
  if (!session) return null;
  return activeUser(request.server.pixie.deps, tenantId, session.userId);
}

/** GET pages send a signed-out visitor to /login and back; forms posted without a session go to the list. */
export function toLogin(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const back = request.method === 'GET' ? safeReturnTo(request.url) : null;
  const tenant = portalScope(request.server).tenantId;
  // Slashes stay readable: /login?return_to=/apps
  const returnTo = (back ?? '/apps').replace(/[^A-Za-z0-9/_.~-]/g, (c) => encodeURIComponent(c));
  return reply.redirect(`/login?return_to=${returnTo}${tenant !== 'default' ? `&tenant=${tenant}` : ''}`, 303);
}

const NOTICES: Record<string, string> = {
  created: 'Application created. Generate an API key and, for a server-side app, a client secret below.',
  saved: 'Settings saved.',
  revoked: 'Revoked. It stops working at once.',
  expiry: 'Expiry saved.',
  deleted: 'Application deleted. Its keys, secrets and tokens no longer work.',
  access_revoked: 'Access revoked. The application has been signed out of your account.',
};

export function noticeFor(code: unknown): string | null {
  return typeof code === 'string' ? NOTICES[code] ?? null : null;
}

export function displayName(user: User): string {
  return user.name ?? user.username;
}
