/** Build authorization responses: query for the code flow, fragment for the implicit grant. */
import type { OAuthError } from '../errors.js';
import type { RedirectTarget } from './validate-request.js';

export function buildRedirect(target: Pick<RedirectTarget, 'redirectUri' | 'responseType'>, params: Record<string, string>): string {
  const url = new URL(target.redirectUri);
  if (target.responseType === 'token') {
    url.hash = new URLSearchParams(params).toString();
  } else {
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  }
  return url.toString();
}

/** RFC 6749 §4.1.2.1 error response, with iss (RFC 9207). */
export function errorRedirect(target: RedirectTarget, err: OAuthError, issuer: string): string {
  return buildRedirect(target, {
    error: err.error,
    error_description: err.description,
    ...(target.state !== null ? { state: target.state } : {}),
    iss: issuer,
  });
}
