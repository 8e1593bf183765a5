/** Shortcuts for tests that need a code or tokens from a running server. */
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, PUBLIC_CLIENT, REDIRECT_URI, USER } from './fixture.js';
import type { TestServer } from './server.js';
import { pkce, UserAgent } from './user-agent.js';

export function basic(id = CONFIDENTIAL_CLIENT, secret = CONFIDENTIAL_SECRET): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export function authorizeUrl(s: TestServer, params: Record<string, string>): string {
  return `${s.issuer}/oauth2/authorize?${new URLSearchParams({ response_type: 'code', redirect_uri: REDIRECT_URI, ...params })}`;
}

export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form) });
}

export function tokenRequest(s: TestServer, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return postForm(`${s.issuer}/oauth2/token`, form, headers);
}

export interface IssuedCode { code: string; verifier: string; ua: UserAgent }

/** A code for the public client (PKCE S256) through login + consent. */
export async function getCode(s: TestServer, scope = 'openid offline_access', ua = new UserAgent(s.url)): Promise<IssuedCode> {
  const { verifier, challenge } = pkce();
  const back = await ua.authorize(authorizeUrl(s, {
    client_id: PUBLIC_CLIENT, scope, state: 's1', code_challenge: challenge, code_challenge_method: 'S256',
  }), USER);
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`no code in ${back}`);
  return { code, verifier, ua };
}

export async function exchange(s: TestServer, c: IssuedCode): Promise<Response> {
  return tokenRequest(s, { grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code: c.code, redirect_uri: REDIRECT_URI, code_verifier: c.verifier });
}

export async function introspect(s: TestServer, token: string): Promise<Record<string, unknown>> {
  const res = await postForm(`${s.issuer}/oauth2/introspect`, { token }, { authorization: basic() });
  return (await res.json()) as Record<string, unknown>;
}
