/** `pixie token --register`: RFC 7591 registration of a public client for this run. */
import { FlowError } from './errors.js';

export interface Registered {
  clientId: string;
  /** RFC 7592 URI to read, change or delete the client (with the registration access token). */
  registrationClientUri: string | null;
}

export async function registerPublicClient(
  registrationEndpoint: string, redirectUri: string, scope: string, initialAccessToken: string | undefined,
): Promise<Registered> {
  const body = {
    client_name: 'pixie token', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], ...(scope ? { scope } : {}),
  };
  let res: Response;
  try {
    res = await fetch(registrationEndpoint, {
      method: 'POST', signal: AbortSignal.timeout(15_000),
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(initialAccessToken ? { authorization: `Bearer ${initialAccessToken}` } : {}) },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new FlowError(`cannot reach the registration endpoint ${registrationEndpoint}: ${(err as Error).message}`);
  }
  const answer = await res.json().catch(() => null) as Record<string, unknown> | null;
  if (res.status !== 201 || typeof answer?.client_id !== 'string') {
    const why = answer && typeof answer.error === 'string'
      ? `${answer.error}${typeof answer.error_description === 'string' ? ` — ${answer.error_description}` : typeof answer.message === 'string' ? ` — ${answer.message}` : ''}`
      : 'no client_id in the answer';
    const hint = res.status === 401 ? ' (this server wants an initial access token: --initial-access-token TOKEN)' : '';
    throw new FlowError(`dynamic client registration refused (HTTP ${res.status}): ${why}${hint}`);
  }
  return { clientId: answer.client_id, registrationClientUri: typeof answer.registration_client_uri === 'string' ? answer.registration_client_uri : null };
}
