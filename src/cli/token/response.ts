/** Checks on the authorization response (RFC 6749 §4.1.2, RFC 9207) before any code is used. */
import { FlowError } from './errors.js';

export interface ResponseExpectations {
  state: string;
  issuer: string | null;
  issRequired: boolean;
}

/** The code from a redirect's parameters, or a FlowError that says what went wrong. */
export function codeFromResponse(params: URLSearchParams, expect: ResponseExpectations): string {
  // State first: an error response with a foreign state is as untrustworthy as a code.
  const state = params.get('state');
  if (state !== expect.state) {
    throw new FlowError(state === null
      ? 'the authorization response has no state: it does not belong to this request, so nothing was exchanged'
      : 'the state in the authorization response does not match the one sent (possible CSRF or a stale browser tab); nothing was exchanged');
  }
  const iss = params.get('iss');
  if (iss !== null && expect.issuer !== null && iss !== expect.issuer) {
    throw new FlowError(`the response came from issuer "${iss}", not "${expect.issuer}" (RFC 9207 mix-up defence); nothing was exchanged`);
  }
  if (iss === null && expect.issRequired) {
    throw new FlowError('the server promises iss in authorization responses (RFC 9207) but this one has none; nothing was exchanged');
  }
  const error = params.get('error');
  if (error !== null) {
    const description = params.get('error_description');
    const meaning = error === 'access_denied' ? 'access was denied (the user pressed Deny or the server refused)' : `the server answered ${error}`;
    throw new FlowError(`${meaning}${description ? `: ${description}` : ''}`);
  }
  const code = params.get('code');
  if (!code) throw new FlowError('the authorization response has neither a code nor an error');
  return code;
}

/**
 * What the user pasted: the whole redirect URL (query or fragment), or a bare code.
 * Returns the parameters, and whether state could be checked at all.
 */
export function parsePasted(input: string): { params: URLSearchParams; bareCode: boolean } {
  const text = input.trim();
  if (/^https?:\/\//i.test(text)) {
    const url = new URL(text);
    const params = new URLSearchParams(url.search);
    if (!params.has('code') && !params.has('error') && url.hash) return { params: new URLSearchParams(url.hash.slice(1)), bareCode: false };
    return { params, bareCode: false };
  }
  if (text.startsWith('?') || text.includes('code=') || text.includes('error=')) {
    return { params: new URLSearchParams(text.replace(/^[?#]/, '')), bareCode: false };
  }
  if (!/^[\x21-\x7e]+$/.test(text)) throw new FlowError('that does not look like a URL or an authorization code');
  return { params: new URLSearchParams({ code: text }), bareCode: true };
}
