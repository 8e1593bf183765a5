/**
 * OpenID Connect RP-Initiated Logout 1.0: validate a logout request, decide whether the user
 * must confirm, and where the browser goes afterwards. Nothing here redirects to a URI that
 * is not registered for the client the request identifies.
 */
import { verifyJwtIgnoringTime } from '../../crypto/jwt.js';
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import { InvalidRequest } from '../errors.js';
import type { Client, Session } from '../types.js';

/** The request parameters Pixie acts on; `logout_hint` and `ui_locales` are accepted and ignored. */
export const END_SESSION_PARAMS = ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state'] as const;
export type EndSessionParams = Partial<Record<(typeof END_SESSION_PARAMS)[number], string>>;

export interface EndSessionRequest {
  /** The client named by `client_id` or the hint's audience, when registered. */
  client: Client | null;
  /** `sub` of a verified `id_token_hint`: the user the relying party believes is signed in. */
  hintSubject: string | null;
  /** A `post_logout_redirect_uri` registered for `client`. */
  postLogoutRedirectUri: string | null;
  state: string | null;
  /** The parameters as received, to carry through a confirmation page. */
  params: EndSessionParams;
}

interface IdTokenHint {
  sub: string;
  aud: string[];
  azp: string | null;
}

async function verifyHint(rs: ResolvedServer, token: string): Promise<IdTokenHint> {
  let payload;
  try {
    ({ payload } = await verifyJwtIgnoringTime(token, rs.jwks, { issuer: rs.issuer, typ: 'JWT' }));
  } catch {
    throw new InvalidRequest('id_token_hint is not an ID token issued by this server');
  }
  const aud = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
  if (typeof payload.sub !== 'string' || aud.length === 0) throw new InvalidRequest('id_token_hint lacks sub or aud');
  return { sub: payload.sub, aud, azp: typeof payload.azp === 'string' ? payload.azp : null };
}

/** `client_id` and the hint's audience must name the same client when both are given. */
function clientIdOf(clientId: string | undefined, hint: IdTokenHint | null): string | null {
  if (!hint) return clientId ?? null;
  if (clientId !== undefined) {
    if (!hint.aud.includes(clientId)) throw new InvalidRequest('client_id does not match the audience of id_token_hint');
    return clientId;
  }
  return hint.azp ?? (hint.aud.length === 1 ? hint.aud[0] : null);
}

function pick(raw: Record<string, string | undefined>): EndSessionParams {
  const out: EndSessionParams = {};
  for (const k of END_SESSION_PARAMS) if (raw[k]) out[k] = raw[k];
  return out;
}

export async function validateEndSessionRequest(
  deps: CoreDeps, rs: ResolvedServer, raw: Record<string, string | undefined>,
): Promise<EndSessionRequest> {
  const params = pick(raw);
  const hint = params.id_token_hint ? await verifyHint(rs, params.id_token_hint) : null;
  const clientId = clientIdOf(params.client_id, hint);
  const client = clientId ? await deps.stores.clients.find(rs.server.tenantId, rs.server.id, clientId) : null;
  if (params.client_id && !client) throw new InvalidRequest('client_id is not a client of this server');
  const uri = params.post_logout_redirect_uri ?? null;
  if (uri !== null) {
    if (!clientId) throw new InvalidRequest('post_logout_redirect_uri needs id_token_hint or client_id to identify the client');
    if (!client) throw new InvalidRequest('the client of id_token_hint is not registered here');
    if (!client.postLogoutRedirectUris.includes(uri)) {
      throw new InvalidRequest('post_logout_redirect_uri is not registered for this client');
    }
  }
  return { client, hintSubject: hint?.sub ?? null, postLogoutRedirectUri: uri, state: params.state ?? null, params };
}

/**
 * Sign out without asking only when the hint names the signed-in user: anything else could be
 * a link from a third party, so the user confirms.
 */
export function needsConfirmation(req: EndSessionRequest, session: Session | null): boolean {
  return session === null || req.hintSubject === null || req.hintSubject !== session.userId;
}

/** The registered URI with `state` appended, or null to show Pixie's own "signed out" page. */
export function postLogoutRedirect(req: EndSessionRequest): string | null {
  const uri = req.postLogoutRedirectUri;
  if (uri === null || req.state === null) return uri;
  const sep = uri.includes('?') ? (uri.endsWith('?') || uri.endsWith('&') ? '' : '&') : '?';
  return `${uri}${sep}state=${encodeURIComponent(req.state)}`;
}

/** The names the confirmation page shows: the tenant's, and the signed-in user's when there is a session. */
export async function confirmationNames(
  deps: CoreDeps, tenantId: string, session: Session | null,
): Promise<{ tenantName: string; username: string | null }> {
  const [tenant, user] = await Promise.all([
    deps.stores.tenants.get(tenantId),
    session ? deps.stores.users.findById(session.tenantId, session.userId) : null,
  ]);
  return { tenantName: tenant?.name || tenantId, username: user?.username ?? null };
}
