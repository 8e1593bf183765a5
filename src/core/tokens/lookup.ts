/** Find the record behind a presented token (opaque or JWT) of one authorization server. */
import { verifyJwt } from '../../crypto/jwt.js';
import { hashOpaqueToken } from '../../crypto/opaque-token.js';
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import type { TokenRecord } from '../types.js';
import { jwtRecordKey } from './issue.js';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

async function recordKey(rs: ResolvedServer, token: string, now: number): Promise<string | null> {
  if (!JWT_SHAPE.test(token)) return hashOpaqueToken(token);
  try {
    const { payload } = await verifyJwt(token, rs.jwks, { issuer: rs.issuer, typ: 'at+jwt', currentDate: new Date(now * 1000) });
    return typeof payload.jti === 'string' ? jwtRecordKey(payload.jti) : null;
  } catch {
    return null;
  }
}

/** The token's record if it belongs to this server, whatever its state. */
export async function findToken(deps: CoreDeps, rs: ResolvedServer, token: string): Promise<TokenRecord | null> {
  if (token.length > 4096) return null;
  const key = await recordKey(rs, token, deps.clock.now());
  if (!key) return null;
  const rec = await deps.stores.tokens.find(key);
  return rec && rec.tenantId === rs.server.tenantId && rec.serverId === rs.server.id ? rec : null;
}

export function isActive(rec: TokenRecord, now: number): boolean {
  if (rec.revokedAt !== null) return false;
  if (rec.expiresAt !== null && rec.expiresAt <= now) return false;
  return rec.kind !== 'refresh' || rec.consumedAt === null;
}

export async function findActiveToken(deps: CoreDeps, rs: ResolvedServer, token: string): Promise<TokenRecord | null> {
  const rec = await findToken(deps, rs, token);
  return rec && isActive(rec, deps.clock.now()) ? rec : null;
}
