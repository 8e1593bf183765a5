/**
 * Size limits of an authorization request, checked before anything else (GET or POST, the
 * OAuth 2 endpoint and the Stack Exchange ones): an anonymous request is parked in storage until
 * the user signs in, so its size is what an unauthenticated caller may make Pixie store.
 */
import { AuthorizePageError } from '../errors.js';

/** Longest value, in characters, per parameter; any other parameter gets OTHER_PARAMETER_MAX. */
export const AUTHORIZE_PARAMETER_MAX: Readonly<Record<string, number>> = {
  client_id: 256,
  redirect_uri: 2048,
  response_type: 64,
  response_mode: 32,
  scope: 2048,
  state: 1024,
  nonce: 1024,
  code_challenge: 128,
  code_challenge_method: 16,
  prompt: 64,
  max_age: 16,
  login_hint: 256,
  resource: 2048,
};
export const OTHER_PARAMETER_MAX = 1024;
/** All names and values together. */
export const AUTHORIZE_REQUEST_MAX = 8192;
export const AUTHORIZE_PARAMETERS_MAX = 40;

/** Throws an error page (never a redirect: nothing about the request is trusted yet). */
export function checkAuthorizeSizes(raw: Record<string, unknown>): void {
  const entries = Object.entries(raw);
  if (entries.length > AUTHORIZE_PARAMETERS_MAX) {
    throw new AuthorizePageError('invalid_request', `too many parameters (at most ${AUTHORIZE_PARAMETERS_MAX})`);
  }
  let total = 0;
  for (const [name, value] of entries) {
    const values = Array.isArray(value) ? value : [value];
    const max = AUTHORIZE_PARAMETER_MAX[name] ?? OTHER_PARAMETER_MAX;
    for (const v of values) {
      const length = typeof v === 'string' ? v.length : 0;
      if (length > max) throw new AuthorizePageError('invalid_request', `parameter "${name.slice(0, 40)}" is too long (at most ${max} characters)`);
      total += name.length + length;
    }
  }
  if (total > AUTHORIZE_REQUEST_MAX) {
    throw new AuthorizePageError('invalid_request', `the request is too large (at most ${AUTHORIZE_REQUEST_MAX} characters of parameters)`);
  }
}
