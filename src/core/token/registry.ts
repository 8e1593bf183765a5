/** The one list of grant handlers, keyed by grant_type. */
import { authorizationCodeGrant } from './grants/authorization-code.js';
import { challengeCodeGrant } from './grants/challenge-code.js';
import { clientCredentialsGrant } from './grants/client-credentials.js';
import { deviceCodeGrant } from './grants/device-code.js';
import { refreshTokenGrant } from './grants/refresh-token.js';
import type { GrantHandler } from './types.js';

export class GrantRegistry {
  private readonly handlers = new Map<string, GrantHandler>();

  register(handler: GrantHandler): this {
    if (this.handlers.has(handler.grantType)) throw new Error(`grant type ${handler.grantType} registered twice`);
    this.handlers.set(handler.grantType, handler);
    return this;
  }

  get(grantType: string): GrantHandler | undefined {
    return this.handlers.get(grantType);
  }

  grantTypes(): string[] {
    return [...this.handlers.keys()];
  }
}

export function defaultGrantRegistry(): GrantRegistry {
  return new GrantRegistry()
    .register(authorizationCodeGrant)
    .register(refreshTokenGrant)
    .register(clientCredentialsGrant)
    .register(challengeCodeGrant)
    .register(deviceCodeGrant);
}
