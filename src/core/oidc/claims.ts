/** Standard claims released per scope (OIDC Core §5.4). */
import type { User } from '../types.js';

export function userClaims(user: User, scopes: string[]): Record<string, string | boolean> {
  const claims: Record<string, string | boolean> = {};
  if (scopes.includes('profile')) {
    claims.preferred_username = user.username;
    if (user.name) claims.name = user.name;
  }
  if (scopes.includes('email') && user.email) {
    claims.email = user.email;
    claims.email_verified = false;
  }
  return claims;
}
