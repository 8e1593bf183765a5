/** @module @pixie-auth/verify/types — options and results of the verifier. */
import type { FetchLike } from './http.js';
import type { IntrospectionCredentials } from './introspection.js';
import type { BoundChallenge } from './binding.js';
import type { DpopOptions, DpopRequest } from './dpop.js';

/** What a credential is: a user's or client's access token, or an application's API key. */
export type CredentialKind = 'access_token' | 'api_key';

export interface VerifierOptions {
  /** The issuer URL exactly as in its discovery document, e.g. `https://id.example.com/default/default`. */
  issuer: string;
  /** Required `aud` value(s). Pixie access tokens carry the issuer as audience (or the resources asked for). */
  audience?: string | string[];
  /**
   * This API's resource identifier (RFC 8707), e.g. `https://mcp.example.com/mcp`: a token's
   * `aud` must contain it (a token for the whole server or another API is refused), and 401s
   * point to its protected-resource metadata (RFC 9728) in `WWW-Authenticate`.
   */
  resource?: string;
  /** Where the resource's metadata is served; default: its RFC 9728 well-known URL. */
  resourceMetadataUrl?: string;
  /** Credentials of a confidential client of the same server; needed for opaque tokens and API keys. */
  introspection?: IntrospectionCredentials;
  /** How long an introspection answer is reused, in seconds (default 30; never past the token's `exp`). */
  cacheSeconds?: number;
  /**
   * Minimum seconds between two JWKS refetches caused by unknown `kid`s (default 30), counted on
   * `now`. A routine refresh does not start it, so a key rotated just after one is picked up at once.
   */
  jwksCooldownSeconds?: number;
  /**
   * Keys and metadata are refetched when older than this (default 600 s). The key set's age runs on
   * the real clock, not `now`. While the issuer cannot be reached the last key set stays in use.
   */
  maxAgeSeconds?: number;
  /** Allowed clock skew for `exp`/`nbf`, in seconds (default 0). */
  clockToleranceSeconds?: number;
  /** Skip discovery and use these endpoints. */
  endpoints?: { jwksUri?: string; introspectionEndpoint?: string };
  /** Epoch seconds for token times, the discovery and introspection caches and the unknown-`kid` cooldown; tests pass a fake clock. */
  now?: () => number;
  fetch?: FetchLike;
  /** Per-request timeout towards the issuer, in ms (default 5000). */
  timeoutMs?: number;
  /**
   * DPoP (RFC 9449): proof checks, replay store, nonces, public URL behind a proxy, and whether
   * bearer tokens are still accepted. DPoP-bound tokens are always checked, with the defaults if unset.
   */
  dpop?: DpopOptions;
}

export interface VerifyOptions {
  /** Every one of these scopes must have been granted. */
  scopes?: string[];
  /** The `PKCE-Verifier` header, for challenge-code tokens. */
  pkceVerifier?: string;
  /** Kinds accepted here (default: access tokens only, so a key can never act as a user). */
  accept?: CredentialKind[];
  /** How the token was presented: scheme, DPoP proof, method and URL (the adapters fill it in). */
  dpop?: DpopRequest;
}

export interface VerifiedCredential {
  kind: CredentialKind;
  /** How it was checked: locally (JWT) or by asking the issuer. */
  method: 'jwt' | 'introspection';
  /** The user, or the client itself for client_credentials tokens and API keys. */
  subject: string;
  clientId: string;
  scopes: string[];
  /** Epoch seconds, or null for a token that does not expire. */
  expiresAt: number | null;
  /** Set when the token was bound to a PKCE challenge (and the verifier matched). */
  boundChallenge: BoundChallenge | null;
  /** The JWK SHA-256 thumbprint (`cnf.jkt`) of the key a DPoP-bound token is bound to, checked against the proof. */
  dpopJkt: string | null;
  /** Every claim of the JWT, or every field of the introspection answer. */
  claims: Record<string, unknown>;
}

export type { FetchLike, IntrospectionCredentials, BoundChallenge, DpopOptions, DpopRequest };
