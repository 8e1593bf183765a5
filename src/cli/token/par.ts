/**
 * Pushed authorization requests (RFC 9126): the authorization parameters go straight to the
 * server, with the client's authentication, and the browser gets a URL with only `client_id`
 * and the `request_uri` the server answered.
 */
import { FlowError } from './errors.js';
import { postAuthenticatedForm, type ClientCredentials } from './exchange.js';

/** Push `params` (and RFC 8707 `resource`s) to `parEndpoint`; the authorization URL that refers to them. */
export async function pushedAuthorizationUrl(
  parEndpoint: string, authorizationEndpoint: string, params: Record<string, string>, resources: readonly string[], client: ClientCredentials,
): Promise<URL> {
  const body = new URLSearchParams(params);
  for (const r of resources) body.append('resource', r);
  const { res, text } = await postAuthenticatedForm(parEndpoint, 'pushed authorization request endpoint', body, client);
  let answer: Record<string, unknown> = {};
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // described below
  }
  if (res.status !== 201 || typeof answer.request_uri !== 'string') {
    const detail = typeof answer.error === 'string'
      ? `${answer.error}${typeof answer.error_description === 'string' ? ` — ${answer.error_description}` : ''}` : text.slice(0, 200);
    // As at the token endpoint: a secret sent the other way than the client registered is refused.
    const hint = answer.error === 'invalid_client' && client.method !== 'none'
      ? `; the secret was sent with ${client.method === 'basic' ? 'an Authorization: Basic header' : 'the form body'}; choose with --client-auth basic|post` : '';
    throw new FlowError(`the pushed authorization request endpoint refused the request (HTTP ${res.status}): ${detail}${hint}`);
  }
  const url = new URL(authorizationEndpoint);
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('request_uri', answer.request_uri);
  return url;
}
