/**
 * Browser state: the session cookie (one per tenant, HttpOnly, SameSite=Lax, Secure on https)
 * and CSRF protection by a double-submit cookie compared in constant time.
 */
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { findSession, SESSION_TTL } from '../../core/interaction/login.js';
import type { Session } from '../../core/types.js';
import { safeEqual } from '../../crypto/digest.js';
import { randomBase64url } from '../../crypto/random.js';
import { AppError } from '../../core/errors.js';

const CSRF_COOKIE = 'pixie_csrf';

export function sessionCookieName(tenant: string): string {
  return `pixie_session_${tenant}`;
}

function secure(request: FastifyRequest): boolean {
  return request.server.pixie.config.publicUrl.startsWith('https:');
}

export async function currentSession(request: FastifyRequest, tenant: string): Promise<Session | null> {
  const session = await findSession(request.server.pixie.deps, request.cookies[sessionCookieName(tenant)]);
  return session && session.tenantId === tenant ? session : null;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, tenant: string, token: string): void {
  reply.setCookie(sessionCookieName(tenant), token, {
    path: '/', httpOnly: true, sameSite: 'lax', secure: secure(request), maxAge: SESSION_TTL,
  });
}

export function clearSessionCookie(reply: FastifyReply, tenant: string): void {
  reply.clearCookie(sessionCookieName(tenant), { path: '/' });
}

/** The CSRF token for forms on this page; sets the cookie when the browser has none. */
export function csrfToken(request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies[CSRF_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomBase64url(32);
  reply.setCookie(CSRF_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: secure(request) });
  return token;
}

/** Reject a form post whose csrf field does not equal the browser's CSRF cookie. */
export function checkCsrf(request: FastifyRequest, submitted: string | undefined): void {
  const cookie = request.cookies[CSRF_COOKIE];
  if (!cookie || !submitted || !safeEqual(cookie, submitted)) {
    throw new AppError('forbidden', 'This form has expired or was not sent from this site. Go back, reload the page and try again.');
  }
}
