/** The shape shared by grant handlers and the token endpoint. */
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import type { Client, GrantType } from '../types.js';

/** Which endpoint answered: the Stack Exchange endpoints use their own lifetimes and fields. */
export type TokenDialect = 'oauth2' | 'stackexchange';

export interface TokenContext {
  deps: CoreDeps;
  rs: ResolvedServer;
  client: Client;
  /** Only the parameters the grant declared; everything else is stripped. */
  params: Record<string, string | undefined>;
  dialect: TokenDialect;
  /**
   * True when a confidential client was let in without its secret (the Stack Exchange
   * endpoints accept that for a PKCE code exchange). The grant must then insist on PKCE.
   */
  secretless?: boolean;
}

/** RFC 6749 §5.1. `expires_in` is absent for a token without expiry. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in?: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

export interface GrantHandler {
  grantType: GrantType;
  /** Allow-list of parameters the handler reads (besides grant_type and client credentials). */
  parameters: readonly string[];
  handle(ctx: TokenContext): Promise<TokenResponse>;
}
