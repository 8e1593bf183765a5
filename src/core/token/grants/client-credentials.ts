/** RFC 6749 §4.4: a confidential client gets a token for itself. */
import { UnauthorizedClient, InvalidScope } from '../../errors.js';
import { commaSeparatedScopes } from '../../policy.js';
import { checkResources, checkResourceScopes, resourceTokenRules } from '../../resource.js';
import { checkScopes, defaultScopes, parseScope } from '../../scope.js';
import { issueAccessToken } from '../../tokens/issue.js';
import { tokenTypeOf } from '../token-set.js';
import type { GrantHandler } from '../types.js';

/** Scopes that only make sense for a user. */
const USER_ONLY = new Set(['openid', 'profile', 'email', 'offline_access']);

export const clientCredentialsGrant: GrantHandler = {
  grantType: 'client_credentials',
  parameters: ['scope'],
  async handle(ctx) {
    const { client, rs, deps } = ctx;
    if (client.public) throw new UnauthorizedClient('public clients cannot use client_credentials');
    const requested = ctx.params.scope === undefined
      ? defaultScopes(client).filter((s) => !USER_ONLY.has(s))
      : parseScope(ctx.params.scope, commaSeparatedScopes(ctx.policy));
    const userOnly = requested.find((s) => USER_ONLY.has(s));
    if (userOnly) throw new InvalidScope(`scope "${userOnly}" needs a user; client_credentials has none`);
    checkScopes(requested, client, rs.scopes);
    // RFC 8707: a token for these resources only, with their own format and lifetime if they have one.
    const resources = ctx.resources ?? [];
    const targets = resources.length && ctx.policy.resources ? checkResources(resources, ctx.policy.resources) : [];
    checkResourceScopes(targets, requested);
    // A token for the client itself: the server's lifetime and format (the policy's are for a user's tokens).
    const { ttl, format } = resourceTokenRules(targets, { ttl: rs.server.settings.accessTokenTtl, format: rs.server.settings.accessTokenFormat });
    const access = await issueAccessToken(deps, rs, {
      clientId: client.clientId, userId: null, scopes: requested, ttl, format,
      authTime: null, codeHash: null, familyId: null, grantId: null, resources, ...(ctx.dpop ? { dpopJkt: ctx.dpop.jkt } : {}),
    });
    return { access_token: access.token, token_type: tokenTypeOf(ctx), expires_in: ttl!, scope: requested.join(' ') };
  },
};
