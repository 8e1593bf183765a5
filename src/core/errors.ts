/** OAuth errors named after their RFC 6749 / 6750 / OIDC codes. Core throws them; routes serialise them. */

export type OAuthErrorCode =
  | 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client'
  | 'unsupported_grant_type' | 'invalid_scope' | 'access_denied' | 'unsupported_response_type'
  | 'server_error' | 'temporarily_unavailable' | 'invalid_token' | 'insufficient_scope'
  | 'login_required' | 'consent_required' | 'interaction_required' | 'invalid_target'
  // RFC 7591 §3.2.2
  | 'invalid_redirect_uri' | 'invalid_client_metadata'
  // RFC 9126 §2.3 / RFC 9101 §7
  | 'invalid_request_uri'
  // RFC 9449 §5, §8, §9
  | 'invalid_dpop_proof' | 'use_dpop_nonce'
  // RFC 8628 §3.5
  | 'authorization_pending' | 'slow_down' | 'expired_token';

export class OAuthError extends Error {
  /** Whether an /authorize error may be sent to the redirect URI (only once client + URI are verified). */
  redirectable = true;
  /** RFC 9449 §7.1: a protected resource answers with a `DPoP` challenge instead of `Bearer`. */
  challenge: 'Bearer' | 'DPoP' = 'Bearer';
  /** RFC 9449 §8, §9: a nonce the client must put in its next DPoP proof (the `DPoP-Nonce` header). */
  dpopNonce: string | null = null;
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
  ) {
    super(`${error}: ${description}`);
  }
}

export class InvalidRequest extends OAuthError {
  constructor(d: string) { super('invalid_request', d); }
}
/**
 * RFC 6749 §5.2: client authentication failed. Always 401, and every 401 carries a
 * `WWW-Authenticate: Basic` challenge (RFC 9110 §11.6.1) whose realm is the issuer.
 */
export class InvalidClient extends OAuthError {
  /** The issuer of the server the client tried to authenticate to; set by the endpoint. */
  realm: string | null = null;
  constructor(d: string) { super('invalid_client', d, 401); }
}
export class InvalidGrant extends OAuthError {
  constructor(d: string) { super('invalid_grant', d); }
}
export class UnauthorizedClient extends OAuthError {
  constructor(d: string) { super('unauthorized_client', d); }
}
export class UnsupportedGrantType extends OAuthError {
  constructor(d: string) { super('unsupported_grant_type', d); }
}
export class UnsupportedResponseType extends OAuthError {
  constructor(d: string) { super('unsupported_response_type', d); }
}
export class InvalidScope extends OAuthError {
  constructor(d: string) { super('invalid_scope', d); }
}
/** RFC 8707 §2: a `resource` that is malformed, unknown, or not one this grant may reach. */
export class InvalidTarget extends OAuthError {
  constructor(d: string) { super('invalid_target', d); }
}
export class AccessDenied extends OAuthError {
  constructor(d: string) { super('access_denied', d, 403); }
}
export class InvalidToken extends OAuthError {
  constructor(d: string) { super('invalid_token', d, 401); }
}
export class InsufficientScope extends OAuthError {
  constructor(d: string) { super('insufficient_scope', d, 403); }
}

/** RFC 9126 §4, RFC 9101 §7: a `request_uri` that is unknown, used, expired or another client's. */
export class InvalidRequestUri extends OAuthError {
  constructor(d: string) { super('invalid_request_uri', d); }
}
/** RFC 9449 §5: the DPoP proof is missing, malformed or does not match the request. */
export class InvalidDpopProof extends OAuthError {
  constructor(d: string, status = 400) { super('invalid_dpop_proof', d, status); }
}
/** RFC 9449 §8: the proof must carry the server's nonce, given in the `DPoP-Nonce` header. */
export class UseDpopNonce extends OAuthError {
  constructor(nonce: string, status = 400) {
    super('use_dpop_nonce', 'the DPoP proof must carry the nonce of the DPoP-Nonce header', status);
    this.dpopNonce = nonce;
  }
}

/** An /authorize error that must be shown as a page: the redirect URI cannot be trusted. */
export class AuthorizePageError extends OAuthError {
  constructor(error: OAuthErrorCode, d: string) {
    super(error, d);
    this.redirectable = false;
  }
}

/** Non-OAuth failures of services (import, admin, portal), with a stable code. */
export type AppErrorCode = 'not_found' | 'conflict' | 'forbidden' | 'validation_failed' | 'rate_limited' | 'unauthorized' | 'unavailable';

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly status = ({
      not_found: 404, conflict: 409, forbidden: 403, validation_failed: 400, rate_limited: 429, unauthorized: 401, unavailable: 503,
    } as const)[code],
    /** Seconds for a Retry-After header (429, 503). */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

/**
 * The database cannot be reached (connection refused or lost, server shutting down, too many
 * connections) or written (SQLite on a full disk). Answered 503 temporarily_unavailable with Retry-After: retrying is the fix.
 */
export class StorageUnavailable extends Error {
  constructor(cause: unknown) {
    super('storage is unavailable', { cause });
  }
}
