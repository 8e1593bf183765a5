/**
 * Browser state: the session cookie (one per tenant, HttpOnly, SameSite=Lax, Secure on https),
 * the device cookie (one per tenant, see core/interaction/device.ts) and CSRF protection.
 *
 * CSRF: the browser holds a random CSRF cookie (`__Host-pixie_csrf` on https, so no sibling
 * domain can plant it); a form carries a token that is an HMAC-SHA-256, under the server's
 * cookie key, of that cookie and of the browser's session cookies. A planted cookie gives an
 * attacker no token (the key stays on the server), a token read from another session does not
 * fit this one, and sign-in replaces the CSRF cookie, so tokens from before it stop working.
 */
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkCookieMac, cookieMac } from '../../core/cookie-key.js';
import { DEVICE_TTL } from '../../core/interaction/device.js';
import { findSession, SESSION_TTL } from '../../core/interaction/login.js';
import type { Session } from '../../core/types.js';
import { randomBase64url } from '../../crypto/random.js';
import { AppError } from '../../core/errors.js';

const SESSION_PREFIX = 'pixie_session_';
const CSRF_VALUE = /^[A-Za-z0-9_-]{43}$/;

export function sessionCookieName(tenant: string): string {
  return `${SESSION_PREFIX}${tenant}`;
}

function deviceCookieName(tenant: string): string {
  return `pixie_device_${tenant}`;
}

function secure(request: FastifyRequest): boolean {
  return request.server.pixie.config.publicUrl.startsWith('https:');
}

/** `__Host-` (Secure, Path=/, no Domain) where the browser honours it: on https. */
function csrfCookieName(request: FastifyRequest): string {
  return secure(request) ? '__Host-pixie_csrf' : 'pixie_csrf';
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

export function deviceCookie(request: FastifyRequest, tenant: string): string | undefined {
  return request.cookies[deviceCookieName(tenant)];
}

export function setDeviceCookie(request: FastifyRequest, reply: FastifyReply, tenant: string, value: string): void {
  reply.setCookie(deviceCookieName(tenant), value, {
    path: '/', httpOnly: true, sameSite: 'lax', secure: secure(request), maxAge: DEVICE_TTL,
  });
}

/** The session cookies the browser sent (every tenant's), by name: what a CSRF token is bound to. */
function sessionCookies(request: FastifyRequest): string[] {
  const all = request.cookies;
  return Object.keys(all).filter((name) => name.startsWith(SESSION_PREFIX)).sort().map((name) => `${name}=${all[name] ?? ''}`);
}

function csrfMac(request: FastifyRequest, cookie: string): Promise<string> {
  return cookieMac(request.server.pixie.deps, 'csrf', [cookie, ...sessionCookies(request)]);
}

function newCsrfCookie(request: FastifyRequest, reply: FastifyReply): string {
  const value = randomBase64url(32);
  reply.setCookie(csrfCookieName(request), value, { path: '/', httpOnly: true, sameSite: 'lax', secure: secure(request) });
  return value;
}

/** The CSRF token for forms on this page; sets the CSRF cookie when the browser has none. */
export async function csrfToken(request: FastifyRequest, reply: FastifyReply): Promise<string> {
  const existing = request.cookies[csrfCookieName(request)];
  return csrfMac(request, existing && CSRF_VALUE.test(existing) ? existing : newCsrfCookie(request, reply));
}

/** At sign-in: a new CSRF cookie, so that no token handed out before the sign-in works after it. */
export function rotateCsrfCookie(request: FastifyRequest, reply: FastifyReply): void {
  newCsrfCookie(request, reply);
}

/** Reject a form post whose csrf field is not the token of the browser's CSRF and session cookies. */
export async function checkCsrf(request: FastifyRequest, submitted: string | undefined): Promise<void> {
  const cookie = request.cookies[csrfCookieName(request)];
  const ok = cookie && submitted && CSRF_VALUE.test(cookie)
    && (await checkCookieMac(request.server.pixie.deps, 'csrf', [cookie, ...sessionCookies(request)], submitted));
  if (!ok) {
    throw new AppError('forbidden', 'This form has expired or was not sent from this site. Go back, reload the page and try again.');
  }
}
