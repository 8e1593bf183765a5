/**
 * The challenge-code grant: a 60-second access token bound to a PKCE
 * challenge. Whoever presents the token must also present the matching code_verifier; a
 * challenge buys one token, ever (refused again even after the first token expired).
 */
import { InvalidGrant, InvalidRequest } from '../../errors.js';
import { checkChallenge } from '../../pkce.js';
import { checkScopes, parseScope } from '../../scope.js';
import { issueAccessToken } from '../../tokens/issue.js';
import { tokenTypeOf } from '../token-set.js';
import type { GrantHandler } from '../types.js';

export const CHALLENGE_CODE_GRANT = 'urn:pixie:grant-type:challenge-code';
export const CHALLENGE_TOKEN_TTL = 60;

export const challengeCodeGrant: GrantHandler = {
  grantType: CHALLENGE_CODE_GRANT,
  parameters: ['code_challenge', 'code_challenge_method', 'scope'],
  async handle(ctx) {
    const { deps, rs, client, params } = ctx;
    if (!params.code_challenge) throw new InvalidRequest('code_challenge is required');
    // RFC 7636 §4.3: an omitted method means plain, refused unless the server allows it.
    const method = checkChallenge(params.code_challenge, params.code_challenge_method, rs.server.settings.allowPlainPkce);
    const scopes = parseScope(params.scope, true);
    checkScopes(scopes, client, rs.scopes);
    const now = deps.clock.now();
    if (!(await deps.stores.tokens.useChallenge(rs.server.tenantId, rs.server.id, params.code_challenge, now))) {
      throw new InvalidGrant('this code_challenge was already used for a token; generate a new code_verifier');
    }
    const access = await issueAccessToken(deps, rs, {
      clientId: client.clientId, userId: null, scopes, ttl: CHALLENGE_TOKEN_TTL, format: rs.server.settings.accessTokenFormat,
      authTime: null, codeHash: null, familyId: null, grantId: null, binding: { challenge: params.code_challenge, method },
      ...(ctx.dpop ? { dpopJkt: ctx.dpop.jkt } : {}),
    });
    return { access_token: access.token, token_type: tokenTypeOf(ctx), expires_in: CHALLENGE_TOKEN_TTL, scope: scopes.join(' ') };
  },
};
