/** The shape shared by grant handlers and the token endpoint. */
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import type { CheckedDpopProof } from '../dpop/proof.js';
import type { EndpointPolicy } from '../policy.js';
import type { Client, GrantType } from '../types.js';

export interface TokenContext {
  deps: CoreDeps;
  rs: ResolvedServer;
  client: Client;
  /** Only the parameters the grant declared; everything else is stripped. */
  params: Record<string, string | undefined>;
  /** What the endpoint that took the request decides: lifetimes, format, refresh and ID tokens, scope separator. */
  policy: EndpointPolicy;
  /**
   * True when a confidential client was let in without its secret (the policy allows that to
   * grants with `pkceInsteadOfSecret`). The grant must then insist on PKCE.
   */
  secretless?: boolean;
  /**
   * The request's `resource` values (RFC 8707), well-formed and without duplicates; empty when
   * none were sent or the policy takes none. Whether the grant may reach them is its check.
   */
  resources?: string[];
  /**
   * The request's DPoP proof (RFC 9449), checked: the access token is bound to its key
   * (`token_type` DPoP). Null or absent: none, or DPoP is off on this server.
   */
  dpop?: CheckedDpopProof | null;
}

/** RFC 6749 §5.1. `expires_in` is absent for a token without expiry. */
export interface TokenResponse {
  access_token: string;
  /** RFC 9449 §5: `DPoP` when the access token is bound to the key of the request's proof. */
  token_type: 'Bearer' | 'DPoP';
  expires_in?: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

export interface GrantHandler {
  grantType: GrantType;
  /** Allow-list of parameters the handler reads (besides grant_type and client credentials). */
  parameters: readonly string[];
  /**
   * The grant can check a PKCE proof in place of a confidential client's secret: where the
   * endpoint's policy allows it, such a client may leave the secret out (`ctx.secretless`).
   */
  pkceInsteadOfSecret?: boolean;
  handle(ctx: TokenContext): Promise<TokenResponse>;
}
