/** Where to send the user and the code: from discovery (RFC 8414 / OIDC) or from flags. */
import { FlowError } from './errors.js';

export interface Endpoints {
  /** Known when --issuer was given; needed for the RFC 9207 `iss` check. */
  issuer: string | null;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string | null;
  /** RFC 9207 §3: the server promises `iss` in every authorization response. */
  issRequired: boolean;
  authMethods: string[] | null;
  /** RFC 7591 registration endpoint, when discovery names one. */
  registrationEndpoint: string | null;
  /** RFC 9126 pushed authorization request endpoint, when discovery names one. */
  parEndpoint: string | null;
  /** RFC 9126 §5: the server takes only pushed authorization requests. */
  parRequired: boolean;
  /** RFC 8628 device authorization endpoint, when discovery names one. */
  deviceAuthorizationEndpoint?: string | null;
}

function absolute(value: string, flag: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
    return u.toString();
  } catch {
    throw new FlowError(`${flag} must be an absolute http(s) URL, got "${value}"`);
  }
}

async function fetchMetadata(issuer: string): Promise<Record<string, unknown> | null> {
  const base = issuer.replace(/\/$/, '');
  for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    let res: Response;
    try {
      res = await fetch(base + path, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      throw new FlowError(`cannot reach ${base + path}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
    }
    if (res.status === 404) continue;
    if (!res.ok) throw new FlowError(`discovery at ${base + path} answered HTTP ${res.status}`);
    const body: unknown = await res.json().catch(() => null);
    if (typeof body !== 'object' || body === null) throw new FlowError(`discovery at ${base + path} did not answer JSON`);
    return body as Record<string, unknown>;
  }
  return null;
}

export async function resolveEndpoints(flags: { issuer?: string; authorizeUrl?: string; tokenUrl?: string }): Promise<Endpoints> {
  if (flags.authorizeUrl || flags.tokenUrl) {
    if (!flags.authorizeUrl || !flags.tokenUrl) throw new FlowError('--authorize-url and --token-url go together');
    return {
      issuer: flags.issuer ? absolute(flags.issuer, '--issuer').replace(/\/$/, '') : null,
      authorizationEndpoint: absolute(flags.authorizeUrl, '--authorize-url'),
      tokenEndpoint: absolute(flags.tokenUrl, '--token-url'),
      jwksUri: null, issRequired: false, authMethods: null, registrationEndpoint: null, parEndpoint: null, parRequired: false,
    };
  }
  if (!flags.issuer) throw new FlowError('give --issuer URL (discovery), or --authorize-url and --token-url');
  const issuer = absolute(flags.issuer, '--issuer').replace(/\/$/, '');
  const meta = await fetchMetadata(issuer);
  if (!meta) throw new FlowError(`no discovery document under ${issuer}; for servers without one use --authorize-url and --token-url`);
  // RFC 8414 §3.3: metadata for another issuer is a mix-up in the making.
  if (meta.issuer !== issuer) throw new FlowError(`discovery names issuer "${String(meta.issuer)}", expected "${issuer}"`);
  if (typeof meta.authorization_endpoint !== 'string' || typeof meta.token_endpoint !== 'string') {
    throw new FlowError('the discovery document has no authorization_endpoint or token_endpoint');
  }
  return {
    issuer,
    authorizationEndpoint: meta.authorization_endpoint,
    tokenEndpoint: meta.token_endpoint,
    jwksUri: typeof meta.jwks_uri === 'string' ? meta.jwks_uri : null,
    issRequired: meta.authorization_response_iss_parameter_supported === true,
    authMethods: Array.isArray(meta.token_endpoint_auth_methods_supported) ? meta.token_endpoint_auth_methods_supported.map(String) : null,
    registrationEndpoint: typeof meta.registration_endpoint === 'string' ? meta.registration_endpoint : null,
    parEndpoint: typeof meta.pushed_authorization_request_endpoint === 'string' ? meta.pushed_authorization_request_endpoint : null,
    parRequired: meta.require_pushed_authorization_requests === true,
    deviceAuthorizationEndpoint: typeof meta.device_authorization_endpoint === 'string' ? meta.device_authorization_endpoint : null,
  };
}
