/** Scope parsing (RFC 6749 §3.3) and the built-in scope vocabulary with plain-words descriptions. */
import { InvalidScope } from './errors.js';
import type { AuthorizationServer, Client, ScopeDefinition } from './types.js';

export const BUILT_IN_SCOPES: ScopeDefinition[] = [
  { name: 'openid', description: 'Sign you in with your account' },
  { name: 'profile', description: 'See your name and profile' },
  { name: 'email', description: 'See your email address' },
  { name: 'offline_access', description: 'Keep access while you are away (a refresh token)' },
  { name: 'read_inbox', description: 'Read your inbox' },
  { name: 'no_expiry', description: 'Keep access with no expiry date' },
  { name: 'write_access', description: 'Make changes on your behalf: post, edit, vote and comment' },
  { name: 'private_info', description: 'See your private information, such as your email and reputation history' },
];
const ADMIN_SCOPES: ScopeDefinition[] = [
  { name: 'manage_configuration', description: "Manage this tenant's servers, clients and users" },
];

/** Reserved server id whose clients manage the tenant. */
export const ADMIN_SERVER_ID = 'admin';

export function serverScopes(server: AuthorizationServer): Map<string, string> {
  const all = [...BUILT_IN_SCOPES, ...(server.id === ADMIN_SERVER_ID ? ADMIN_SCOPES : []), ...server.customScopes];
  return new Map(all.map((s) => [s.name, s.description]));
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Split a scope parameter; with allowCommas (an endpoint policy's choice), commas separate too. */
export function parseScope(value: string | undefined, allowCommas = false): string[] {
  if (value === undefined || value === '') return [];
  const parts = value.split(allowCommas ? /[ ,]+/ : / +/).filter(Boolean);
  for (const p of parts) {
    if (!SCOPE_TOKEN.test(p)) throw new InvalidScope(`scope "${p.slice(0, 40)}" has characters RFC 6749 §3.3 does not allow`);
  }
  return [...new Set(parts)];
}

/** Requested scopes must exist on the server and be in the client's own list. */
export function checkScopes(requested: string[], client: Client, known: Map<string, string>): void {
  for (const s of requested) {
    if (!known.has(s)) throw new InvalidScope(`unknown scope "${s}"`);
    if (!client.scopes.includes(s)) throw new InvalidScope(`client "${client.clientId}" is not allowed scope "${s}"`);
  }
}

/** Scopes a client gets when it asks for none: its own list, without the ones that widen a token's life. */
export function defaultScopes(client: Client): string[] {
  return client.scopes.filter((s) => s !== 'offline_access' && s !== 'no_expiry');
}

