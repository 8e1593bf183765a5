/**
 * The endpoint policy: core decides from its fields, never from which endpoint it serves; the
 * HTTP layer builds a policy again from the name a parked request carries.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ResolvedServer } from '../../src/core/directory.js';
import { OAUTH21_POLICY, oauth21Policy, userTokenTtl } from '../../src/core/policy.js';
import { DEFAULT_SERVER_SETTINGS } from '../../src/core/settings.js';
import { policyNamed, stackExchangePolicy } from '../../src/http/endpoint-policy.js';

const CORE = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/core');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const settings = { ...DEFAULT_SERVER_SETTINGS, accessTokenTtl: 900, seAccessTokenTtl: 7200, accessTokenFormat: 'jwt' as const };
const rs = { server: { tenantId: 'default', id: 'default', settings, customScopes: [] } } as unknown as ResolvedServer;

describe('endpoint policy', () => {
  it('core names no endpoint: nothing under src/core says stackexchange or dialect', () => {
    const named = files(CORE).filter((f) => /stackexchange|dialect/i.test(readFileSync(f, 'utf8')));
    assert.deepEqual(named, []);
  });

  it('the OAuth 2.1 policy takes lifetime and format from the server settings, and has no no-expiry scope', () => {
    const p = oauth21Policy(settings);
    assert.equal(p.name, OAUTH21_POLICY);
    assert.equal(userTokenTtl(p, ['no_expiry']), 900);
    assert.equal(p.accessTokenFormat, 'jwt');
    assert.equal(p.refreshTokens && p.idTokens, true);
  });

  it('the Stack Exchange policy: its own lifetime, no expiry with no_expiry, opaque tokens, no refresh or ID tokens', () => {
    const p = stackExchangePolicy(settings);
    assert.equal(userTokenTtl(p, ['read_inbox']), 7200);
    assert.equal(userTokenTtl(p, ['read_inbox', 'no_expiry']), null);
    assert.deepEqual([p.accessTokenFormat, p.refreshTokens, p.idTokens, p.scopeSeparator], ['opaque', false, false, 'space-or-comma']);
  });

  it('a parked request\'s policy name gives the same policy back; an unknown name the OAuth 2.1 one', () => {
    for (const p of [oauth21Policy(settings), stackExchangePolicy(settings)]) assert.deepEqual(policyNamed(p.name, rs), p);
    assert.deepEqual(policyNamed('from-a-later-release', rs), oauth21Policy(settings));
  });
});
