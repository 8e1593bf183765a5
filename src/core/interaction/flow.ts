/**
 * What happens between a validated authorization request and the redirect back to the client:
 * login when there is no (fresh enough) session, consent when no remembered grant covers the
 * scopes, then the code (or, for the implicit grant, the token).
 */
import { randomId } from '../../crypto/random.js';
import { buildRedirect } from '../authorize/redirect.js';
import { assertDeviceUndecided, decideDevice } from '../device/decision.js';
import { issueAuthorizationCode } from '../authorize/issue-code.js';
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import { AccessDenied, AppError, OAuthError } from '../errors.js';
import { userTokenTtl, type EndpointPolicy } from '../policy.js';
import { INTERACTION_TTL } from '../settings.js';
import { issueAccessToken } from '../tokens/issue.js';
import type { AuthorizationRequest, Interaction, Session } from '../types.js';

export type AuthorizeOutcome =
  | { kind: 'redirect'; url: string }
  | { kind: 'login'; interactionId: string }
  | { kind: 'consent'; interactionId: string };

function needsLogin(req: AuthorizationRequest, session: Session | null, now: number): boolean {
  if (!session || session.tenantId !== req.tenantId) return true;
  if (req.prompt.includes('login')) return true;
  return req.maxAge !== null && now - session.authTime > req.maxAge;
}

/**
 * Who parks a request, and how many parked requests may wait: from one IP address and in all.
 * An anonymous /authorize stores its request until the user signs in, so without these caps
 * anyone could fill the disk.
 */
export interface ParkLimits {
  ip: string;
  perIp: number;
  total: number;
}

/**
 * What anonymous callers may make Pixie store (sign-ins in progress, device codes, pushed
 * requests) is capped per IP (429) and in all (503): `live` counts what is stored and unexpired.
 */
export function refuseWhenFull(live: { ip: number; total: number }, limits: ParkLimits, messages: { ip: string; total: string }): void {
  if (live.ip >= limits.perIp) throw new AppError('rate_limited', messages.ip, 429, 60);
  if (live.total >= limits.total) throw new AppError('unavailable', messages.total, 503, 60);
}

async function checkRoom(deps: CoreDeps, limits: ParkLimits, now: number): Promise<void> {
  refuseWhenFull(await deps.stores.interactions.countPending(limits.ip, now), limits, {
    ip: 'Too many sign-ins are in progress from your network. Finish one, or try again in a few minutes.',
    total: 'Too many sign-ins are in progress right now. Try again in a few minutes.',
  });
}

async function park(deps: CoreDeps, request: AuthorizationRequest, limits: ParkLimits | null): Promise<string> {
  const now = deps.clock.now();
  if (limits) await checkRoom(deps, limits, now);
  const interaction: Interaction = { id: randomId(), request, createdAt: now, expiresAt: now + INTERACTION_TTL, ip: limits?.ip };
  await deps.stores.interactions.save(interaction);
  return interaction.id;
}

async function coveringGrant(deps: CoreDeps, req: AuthorizationRequest, userId: string): Promise<string | null> {
  const grant = await deps.stores.grants.find(req.tenantId, req.serverId, req.clientId, userId);
  return grant && req.scopes.every((s) => grant.scopes.includes(s)) ? grant.id : null;
}

/**
 * Whether the session meets the request's login demands for this parked request: the same
 * tenant, a sign-in after the request when prompt=login, and within max_age. Checked again on
 * the consent page, which a browser can open directly.
 */
export function loginSatisfied(interaction: Interaction, session: Session, now: number): boolean {
  const req = interaction.request;
  if (session.tenantId !== req.tenantId) return false;
  // prompt=login is only ever satisfied by the login form, which re-parks the request without it.
  if (req.prompt.includes('login')) return false;
  return req.maxAge === null || now - session.authTime <= req.maxAge;
}

/**
 * Entry from /authorize. `policy` is the one of the endpoint that took the request (named by
 * `req.policy`); login and consent build it again from that name.
 */
export async function startAuthorization(
  deps: CoreDeps, rs: ResolvedServer, policy: EndpointPolicy, req: AuthorizationRequest, session: Session | null,
  limits: ParkLimits | null = null,
): Promise<AuthorizeOutcome> {
  const now = deps.clock.now();
  if (needsLogin(req, session, now)) {
    if (req.prompt.includes('none')) throw new OAuthError('login_required', 'the user is not signed in');
    return { kind: 'login', interactionId: await park(deps, req, limits) };
  }
  return afterAuthentication(deps, rs, policy, req, session!, null, limits);
}

/** After login (or with a valid session): consent if needed, else complete. */
export async function afterAuthentication(
  deps: CoreDeps, rs: ResolvedServer, policy: EndpointPolicy, req: AuthorizationRequest, session: Session, interactionId: string | null,
  limits: ParkLimits | null = null,
): Promise<AuthorizeOutcome> {
  const grantId = req.prompt.includes('consent') ? null : await coveringGrant(deps, req, session.userId);
  if (grantId) {
    if (interactionId) await deps.stores.interactions.delete(interactionId);
    return { kind: 'redirect', url: await complete(deps, rs, policy, req, session, grantId) };
  }
  if (req.prompt.includes('none')) throw new OAuthError('consent_required', 'the user has not approved this application');
  if (interactionId && req.prompt.includes('login')) {
    // The user has just signed in: what waits for consent no longer asks for a login.
    await deps.stores.interactions.delete(interactionId);
    // It replaces the one just deleted: not counted against the caps again.
    return { kind: 'consent', interactionId: await park(deps, { ...req, prompt: req.prompt.filter((p) => p !== 'login') }, null) };
  }
  return { kind: 'consent', interactionId: interactionId ?? (await park(deps, req, limits)) };
}

/** The user pressed Authorize or Deny on the consent page. */
export async function decideConsent(
  deps: CoreDeps, rs: ResolvedServer, policy: EndpointPolicy, interaction: Interaction, session: Session, approve: boolean,
): Promise<string> {
  const req = interaction.request;
  await deps.stores.interactions.delete(interaction.id);
  // RFC 8628: a device sign-in records Deny on its device code; the device hears access_denied when it polls.
  if (!approve && req.deviceCode) return decideDevice(deps, rs, req.deviceCode, null);
  if (!approve) throw new AccessDenied('the user denied the request');
  if (req.deviceCode) await assertDeviceUndecided(deps, req.deviceCode);
  const grantId = await deps.stores.grants.remember({
    id: randomId(), tenantId: req.tenantId, serverId: req.serverId, clientId: req.clientId, userId: session.userId,
    scopes: req.scopes, createdAt: deps.clock.now(),
  });
  return complete(deps, rs, policy, req, session, grantId);
}

async function complete(
  deps: CoreDeps, rs: ResolvedServer, policy: EndpointPolicy, req: AuthorizationRequest, session: Session, grantId: string,
): Promise<string> {
  if (req.deviceCode) return decideDevice(deps, rs, req.deviceCode, { userId: session.userId, grantId, authTime: session.authTime });
  if (req.responseType === 'code') {
    return buildRedirect(req, await issueAuthorizationCode(deps, rs, req, session.userId, grantId, session.authTime));
  }
  return buildRedirect(req, await implicitTokenParams(deps, rs, policy, req, session, grantId));
}

/** The legacy implicit grant returns a token in the fragment, never a refresh token. */
async function implicitTokenParams(
  deps: CoreDeps, rs: ResolvedServer, policy: EndpointPolicy, req: AuthorizationRequest, session: Session, grantId: string,
): Promise<Record<string, string>> {
  const ttl = userTokenTtl(policy, req.scopes);
  const access = await issueAccessToken(deps, rs, {
    clientId: req.clientId, userId: session.userId, scopes: req.scopes, ttl, format: 'opaque', authTime: session.authTime,
    codeHash: null, familyId: null, grantId, resources: req.resources ?? [],
  });
  const params: Record<string, string> = { access_token: access.token };
  const rfc6749 = policy.implicitResponse === 'rfc6749';
  if (ttl !== null) params[rfc6749 ? 'expires_in' : 'expires'] = String(ttl);
  if (rfc6749) Object.assign(params, { token_type: 'Bearer', scope: req.scopes.join(' ') });
  if (req.state !== null) params.state = req.state;
  return params;
}
