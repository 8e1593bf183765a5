/**
 * Issuing access and refresh tokens. Access tokens are RFC 9068 JWTs or opaque prefixed
 * strings (per server); both are recorded so they can be introspected and revoked.
 */
import { signJwt } from '../../crypto/jwt.js';
import { generateOpaqueToken, hashOpaqueToken } from '../../crypto/opaque-token.js';
import { orderedId } from '../../crypto/random.js';
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import { tokenAudience } from '../resource.js';
import type { AccessTokenFormat, TokenRecord } from '../types.js';

export interface AccessTokenRequest {
  clientId: string;
  /** The user, or null for a client acting on its own behalf (client_credentials). */
  userId: string | null;
  scopes: string[];
  /** Seconds, or null for a token with no expiry (`no_expiry`). */
  ttl: number | null;
  format: AccessTokenFormat;
  authTime: number | null;
  codeHash: string | null;
  familyId: string | null;
  grantId: string | null;
  /** Challenge-code tokens: bound to this PKCE challenge. */
  binding?: { challenge: string; method: 'S256' | 'plain' } | null;
  /** Start of the refresh-token family (absolute lifetime). */
  familyStartedAt?: number | null;
  /** RFC 8707 resources the token is for: its `aud` (none: the issuer, the whole server). */
  resources?: string[];
  /** RFC 9449: the thumbprint of the DPoP key the token is bound to (absent: a bearer token). */
  dpopJkt?: string;
}

export interface IssuedAccessToken {
  token: string;
  expiresAt: number | null;
}

/** Key under which a JWT access token is recorded: its jti (not secret, the token is signed). */
export function jwtRecordKey(jti: string): string {
  return `jti_${jti}`;
}

export async function issueAccessToken(deps: CoreDeps, rs: ResolvedServer, req: AccessTokenRequest): Promise<IssuedAccessToken> {
  const now = deps.clock.now();
  const expiresAt = req.ttl === null ? null : now + req.ttl;
  let token: string;
  let hash: string;
  if (req.format === 'jwt' && expiresAt !== null) {
    const jti = orderedId();
    token = signJwt(rs.signingKey, 'at+jwt', {
      iss: rs.issuer,
      sub: req.userId ?? req.clientId,
      aud: tokenAudience(req.resources, rs.issuer),
      client_id: req.clientId,
      scope: req.scopes.join(' '),
      iat: now,
      exp: expiresAt,
      jti,
      ...(req.authTime !== null ? { auth_time: req.authTime } : {}),
      // Confirmation claims (RFC 7800): the presenter must prove the PKCE verifier, or hold the
      // DPoP key (RFC 9449 §6.1 `jkt`), or both.
      ...(req.binding || req.dpopJkt ? {
        cnf: {
          ...(req.binding ? { [`pkce#${req.binding.method}`]: req.binding.challenge } : {}),
          ...(req.dpopJkt ? { jkt: req.dpopJkt } : {}),
        },
      } : {}),
    });
    hash = jwtRecordKey(jti);
  } else {
    // Tokens without expiry are always opaque: a JWT would stay valid offline forever.
    token = generateOpaqueToken('pxat');
    hash = hashOpaqueToken(token);
  }
  await deps.stores.tokens.save(record(rs, req, hash, 'access', now, expiresAt));
  return { token, expiresAt };
}

export async function issueRefreshToken(
  deps: CoreDeps, rs: ResolvedServer, req: Omit<AccessTokenRequest, 'ttl' | 'format'> & { familyId: string; familyStartedAt: number },
): Promise<string> {
  const now = deps.clock.now();
  const token = generateOpaqueToken('pxrt');
  const s = rs.server.settings;
  // Idle lifetime per token, capped by the absolute lifetime of the family (RFC 9700 §4.14.2).
  const expiresAt = Math.min(now + s.refreshTokenTtl, req.familyStartedAt + s.refreshTokenAbsoluteTtl);
  await deps.stores.tokens.save(record(rs, { ...req, ttl: null, format: 'opaque' }, hashOpaqueToken(token), 'refresh', now, expiresAt));
  return token;
}

function record(
  rs: ResolvedServer, req: AccessTokenRequest, hash: string, kind: TokenRecord['kind'], now: number, expiresAt: number | null,
): TokenRecord {
  return {
    hash, kind, tenantId: rs.server.tenantId, serverId: rs.server.id, clientId: req.clientId, userId: req.userId,
    scope: req.scopes.join(' '), createdAt: now, expiresAt, revokedAt: null, codeHash: req.codeHash,
    familyId: req.familyId, grantId: req.grantId, consumedAt: null, authTime: req.authTime,
    codeChallenge: req.binding?.challenge ?? null, codeChallengeMethod: req.binding?.method ?? null,
    familyStartedAt: req.familyStartedAt ?? null,
    ...(req.resources?.length ? { resources: req.resources } : {}),
    ...(req.dpopJkt ? { dpopJkt: req.dpopJkt } : {}),
  };
}

export function newFamilyId(): string {
  return orderedId();
}
