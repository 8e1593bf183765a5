/**
 * @module @pixie-auth/verify/errors
 * Typed verification failures. Each maps to an RFC 6750 §3 response: a status code and a
 * `WWW-Authenticate: Bearer …` header the adapters send as is.
 */

/** RFC 6750 §3.1 error codes, plus `temporarily_unavailable` when the issuer cannot be reached. */
export type VerifyErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable'
  | 'invalid_dpop_proof' | 'use_dpop_nonce';

/** Why a token was refused; stable strings callers can switch on. */
export type VerifyFailure =
  | 'missing' | 'malformed' | 'multiple_methods' | 'signature' | 'expired' | 'not_yet_valid' | 'issuer' | 'audience'
  | 'inactive' | 'unknown_key' | 'wrong_kind' | 'scope' | 'binding_required' | 'binding_mismatch'
  | 'introspection_unavailable' | 'discovery_failed'
  | 'dpop_required' | 'dpop_unbound' | 'dpop_proof_missing' | 'dpop_proof_invalid' | 'dpop_htm' | 'dpop_htu' | 'dpop_iat'
  | 'dpop_ath' | 'dpop_key_mismatch' | 'dpop_replay' | 'dpop_nonce';

/** What a challenge may name besides the error (see VerifyError.wwwAuthenticate). */
export interface ChallengeExtras {
  resourceMetadata?: string;
  scope?: string[];
}

export class VerifyError extends Error {
  /**
   * Set when the answer is a DPoP challenge (RFC 9449 §7.1): the token was DPoP-bound or sent with
   * the DPoP scheme, or the API requires DPoP. `algs` lists the proof algorithms accepted.
   */
  dpop: { algs: string[] } | undefined;

  constructor(
    readonly code: VerifyErrorCode,
    readonly reason: VerifyFailure,
    readonly description: string,
    readonly status: number,
  ) {
    super(`${code}: ${description}`);
    this.name = new.target.name;
  }

  /**
   * The RFC 6750 §3 challenge for this failure. `extra.resourceMetadata`: the API's RFC 9728
   * metadata URL (`resource_metadata`); `extra.scope`: the scopes the request needs, named in a
   * 401 as well when `resourceMetadata` is set.
   */
  wwwAuthenticate(realm = 'api', extra: ChallengeExtras = {}): string {
    const parts = [`realm="${quote(realm)}"`];
    if (extra.resourceMetadata) parts.push(`resource_metadata="${quote(extra.resourceMetadata)}"`);
    // RFC 6750 §3.1: a request without any credentials gets a bare challenge, no error code.
    if (this.reason !== 'missing') {
      parts.push(`error="${this.code}"`, `error_description="${quote(this.description)}"`);
    }
    // A 401 names the scopes too when the API publishes resource metadata: that is where
    // clients that discover their authorization server (MCP) learn what to ask for.
    const scope = this instanceof InsufficientScopeError ? this.required : (this.status === 401 && extra.resourceMetadata ? extra.scope ?? [] : []);
    if (scope.length) parts.push(`scope="${quote(scope.join(' '))}"`);
    if (this.dpop) return `DPoP ${[...parts, `algs="${this.dpop.algs.join(' ')}"`].join(', ')}`;
    return `Bearer ${parts.join(', ')}`;
  }

  /** The JSON body adapters send next to the header. */
  toJSON(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

/** 400: the request itself is wrong (RFC 6750 §3.1 invalid_request). */
export class InvalidRequestError extends VerifyError {
  constructor(reason: VerifyFailure, description: string) {
    super('invalid_request', reason, description, 400);
  }
}

/** 401: no token, or a token that is expired, revoked, forged or meant for someone else. */
export class InvalidTokenError extends VerifyError {
  constructor(reason: VerifyFailure, description: string) {
    super('invalid_token', reason, description, 401);
  }
}

/** 401 with a bare challenge: the request carried no credentials at all. */
export class MissingTokenError extends VerifyError {
  constructor(description = 'an access token is required') {
    super('invalid_token', 'missing', description, 401);
  }
}

/** 403: a valid token without the scopes this resource needs. */
export class InsufficientScopeError extends VerifyError {
  constructor(readonly required: string[], readonly granted: string[]) {
    super('insufficient_scope', 'scope', `this request needs the scope(s): ${required.join(' ')}`, 403);
  }
}

/** 401 invalid_dpop_proof (RFC 9449 §7.1): the DPoP proof is missing, malformed, replayed or for another request. */
export class InvalidDpopProofError extends VerifyError {
  constructor(reason: VerifyFailure, description: string) {
    super('invalid_dpop_proof', reason, description, 401);
  }
}

/** 401 use_dpop_nonce (RFC 9449 §9): retry with a proof carrying `nonce`, sent in the `DPoP-Nonce` header. */
export class UseDpopNonceError extends VerifyError {
  constructor(readonly nonce: string, description: string) {
    super('use_dpop_nonce', 'dpop_nonce', description, 401);
  }
}

/** 503: the issuer (discovery, JWKS or introspection) could not be used; not the caller's fault. */
export class VerifierUnavailableError extends VerifyError {
  constructor(reason: VerifyFailure, description: string) {
    super('temporarily_unavailable', reason, description, 503);
  }
}

function quote(value: string): string {
  // RFC 7235 quoted-string: keep it to printable ASCII without quotes or backslashes.
  return value.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
}
