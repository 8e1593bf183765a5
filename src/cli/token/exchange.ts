/**
 * Token requests (RFC 6749 §4.1.3, §6) and their answers, JSON or form-encoded: Stack
 * Exchange's `/oauth/access_token` answers `access_token=…&expires=…`.
 */
import { postWithProof, type DpopKey } from './dpop.js';
import { FlowError } from './errors.js';

export type TokenFields = Record<string, string | number>;

export interface ClientCredentials {
  clientId: string;
  clientSecret?: string;
  /** `basic` only when the server lists client_secret_basic (discovery); Stack Exchange wants the secret in the body. */
  method: 'basic' | 'post' | 'none';
}

export type SecretMethod = Exclude<ClientCredentials['method'], 'none'>;

export function chooseAuthMethod(secret: string | undefined, supported: string[] | null): ClientCredentials['method'] {
  if (!secret) return 'none';
  return supported?.includes('client_secret_basic') ? 'basic' : 'post';
}

const NUMERIC = new Set(['expires_in', 'expires', 'refresh_expires_in']);

/** Parse a token endpoint body whatever its content type claims. */
export function parseTokenBody(text: string, contentType: string): TokenFields {
  const trimmed = text.trim();
  let raw: Record<string, unknown>;
  if (contentType.includes('json') || trimmed.startsWith('{')) {
    try {
      raw = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      throw new FlowError(`the token endpoint answered ${contentType || 'a body'} that is not valid JSON: ${trimmed.slice(0, 120)}`);
    }
    if (typeof raw !== 'object' || raw === null) throw new FlowError('the token endpoint answered JSON that is not an object');
  } else {
    raw = Object.fromEntries(new URLSearchParams(trimmed));
  }
  const fields: TokenFields = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'number') fields[k] = v;
    else if (typeof v === 'string') fields[k] = NUMERIC.has(k) && /^\d+$/.test(v) ? Number(v) : v;
    else if (v !== null && v !== undefined) fields[k] = JSON.stringify(v);
  }
  return fields;
}

/** `resources`: RFC 8707 `resource` parameters, one each. `dpop`: send a DPoP proof of this key (RFC 9449). */
export async function tokenRequest(
  url: string, params: Record<string, string>, client: ClientCredentials, resources: readonly string[] = [], dpop?: DpopKey,
): Promise<TokenFields> {
  const body = new URLSearchParams(params);
  for (const r of resources) body.append('resource', r);
  const { res, text } = await postAuthenticatedForm(url, 'token endpoint', body, client, dpop);
  let fields: TokenFields;
  try {
    fields = parseTokenBody(text, res.headers.get('content-type') ?? '');
  } catch (err) {
    if (res.ok) throw err;
    throw new FlowError(`the token endpoint answered HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
  if (!res.ok || fields.error !== undefined) {
    const detail = fields.error ? `${fields.error}${fields.error_description ? ` — ${fields.error_description}` : ''}` : text.slice(0, 200);
    // Servers that enforce the registered token_endpoint_auth_method refuse a secret sent the other way.
    const hint = fields.error === 'invalid_client' && client.method !== 'none'
      ? ` (the secret was sent with ${client.method === 'basic' ? 'an Authorization: Basic header' : 'the form body'}; choose with --client-auth basic|post)` : '';
    throw new FlowError(`the token endpoint refused the request (HTTP ${res.status}): ${detail}${hint}`, typeof fields.error === 'string' ? fields.error : null);
  }
  if (typeof fields.access_token !== 'string' || !fields.access_token) throw new FlowError('the token endpoint answered without an access_token');
  return fields;
}

/** Seconds until expiry from either `expires_in` (RFC 6749) or `expires` (Stack Exchange). */
export function lifetimeOf(fields: TokenFields): number | null {
  const v = fields.expires_in ?? fields.expires;
  return typeof v === 'number' ? v : null;
}

/**
 * POSTs `body` to an endpoint of the server with the client's authentication; `endpoint` names
 * it in the error when it cannot be reached. The token, PAR and device authorization endpoints
 * all take a form authenticated the same way. With `dpop`, the request carries a DPoP proof of
 * that key (RFC 9449).
 */
export async function postAuthenticatedForm(
  url: string, endpoint: string, body: URLSearchParams, client: ClientCredentials, dpop?: DpopKey,
): Promise<{ res: Response; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  authenticate(client, body, headers);
  let res: Response;
  try {
    const signal = AbortSignal.timeout(30_000);
    res = dpop ? await postWithProof(url, { headers, body, signal }, dpop) : await fetch(url, { method: 'POST', headers, body, signal });
  } catch (err) {
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    throw new FlowError(`cannot reach the ${endpoint} ${url}: ${cause}`);
  }
  return { res, text: await res.text() };
}

/** Client authentication (RFC 6749 §2.3.1) on a form request: Basic header, or client_id (and secret) in the body. */
function authenticate(client: ClientCredentials, body: URLSearchParams, headers: Record<string, string>): void {
  if (client.method === 'basic') {
    // RFC 6749 §2.3.1: form-urlencode both parts before the Basic encoding.
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret!)}`).toString('base64')}`;
  } else {
    body.set('client_id', client.clientId);
    if (client.method === 'post') body.set('client_secret', client.clientSecret!);
  }
}
