/**
 * Sign-ins parked by an earlier release (stored with `d: 'stackexchange'`, or as full JSON with
 * `dialect`) complete after an upgrade with the answer of the endpoint that took them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import type { Client } from '../../src/core/types.js';
import { createApp, newAppSettings, updateApp } from '../../src/portal/apps.js';
import type { PostgresExecutor } from '../../src/storage/postgres.js';
import { PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

let s: TestServer;
let app: Client;

before(async () => {
  s = await startTestServer();
  const userId = (await s.deps.stores.users.findByUsername('default', USER.username))!.id;
  const scope = { tenantId: 'default', serverId: 'default' };
  const base = newAppSettings(true);
  const created = await createApp(s.deps, scope, userId, true, { ...base, name: 'Old app', redirectUris: 'http://127.0.0.1/auth/callback', nonWebRedirect: true });
  app = await updateApp(s.deps, scope, userId, created.clientId, {
    ...base, name: 'Old app', redirectUris: 'http://127.0.0.1/auth/callback', nonWebRedirect: true, grants: { ...base.grants, implicit: true },
  });
});
after(async () => { await s.close(); });

/** Replace the stored request of a parked sign-in, as an earlier release wrote it. */
async function rewrite(id: string, request: unknown): Promise<void> {
  const text = JSON.stringify(request);
  if (s.db.executor.dialect === 'postgres') {
    await (s.db.executor as PostgresExecutor).pool.query('UPDATE interactions SET request = $1 WHERE id = $2', [text, id]);
    return;
  }
  const db = new Sqlite(join(s.dataDir, 'pixie.db'));
  try {
    assert.equal(db.prepare('UPDATE interactions SET request = ? WHERE id = ?').run(text, id).changes, 1);
  } finally {
    db.close();
  }
}

/** Start a sign-in without a session: it is parked; returns the user agent and the interaction. */
async function park(url: string): Promise<{ ua: UserAgent; id: string }> {
  const ua = new UserAgent(s.url);
  const res = await ua.get(url);
  const loc = new URL(res.headers.get('location')!, s.url);
  assert.equal(loc.pathname, '/login');
  return { ua, id: loc.searchParams.get('interaction')! };
}

/** Sign in and consent on the parked sign-in (/consent sends a browser without a session to /login). */
function finish(ua: UserAgent, id: string): Promise<URL> {
  return ua.authorize(`${s.url}/consent?interaction=${encodeURIComponent(id)}`, USER);
}

function loginSuccess(): string {
  return `${s.url}/oauth/login_success`;
}

describe('sign-ins parked before an upgrade', () => {
  it('a compact row with d: stackexchange completes /oauth/dialog with the expires fragment', async () => {
    const { ua, id } = await park(`${s.url}/oauth/dialog?${new URLSearchParams({ client_id: app.clientId, redirect_uri: loginSuccess(), scope: 'read_inbox' })}`);
    await rewrite(id, { t: 'default', s: 'default', c: app.clientId, r: loginSuccess(), y: 'token', sc: 'read_inbox', st: 'old-1', d: 'stackexchange' });
    const frag = new URLSearchParams((await finish(ua, id)).hash.slice(1));
    assert.match(frag.get('access_token')!, /^pxat_/);
    assert.equal(frag.get('expires'), '86400');
    assert.equal(frag.get('state'), 'old-1');
    assert.equal(frag.get('expires_in'), null);
    assert.equal(frag.get('token_type'), null);
  });

  it('a full JSON row with dialect: stackexchange completes the same way', async () => {
    const { ua, id } = await park(`${s.url}/oauth/dialog?${new URLSearchParams({ client_id: app.clientId, redirect_uri: loginSuccess(), scope: 'read_inbox' })}`);
    await rewrite(id, {
      tenantId: 'default', serverId: 'default', clientId: app.clientId, redirectUri: loginSuccess(), responseType: 'token', scopes: ['read_inbox'],
      state: 'old-2', codeChallenge: null, codeChallengeMethod: null, nonce: null, prompt: [], maxAge: null, dialect: 'stackexchange',
    });
    assert.equal((await s.deps.stores.interactions.find(id, s.deps.clock.now()))!.request.policy, 'stackexchange');
    const frag = new URLSearchParams((await finish(ua, id)).hash.slice(1));
    assert.equal(frag.get('expires'), '86400');
    assert.equal(frag.get('state'), 'old-2');
    assert.equal(frag.get('scope'), null);
  });

  it('a full JSON row with dialect: oauth2 completes the OAuth 2.1 code flow', async () => {
    const { challenge } = pkce();
    const { ua, id } = await park(`${s.issuer}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256',
    })}`);
    await rewrite(id, {
      tenantId: 'default', serverId: 'default', clientId: PUBLIC_CLIENT, redirectUri: REDIRECT_URI, responseType: 'code', scopes: ['openid'],
      state: 'old-3', codeChallenge: challenge, codeChallengeMethod: 'S256', nonce: null, prompt: [], maxAge: null, dialect: 'oauth2',
    });
    assert.equal((await s.deps.stores.interactions.find(id, s.deps.clock.now()))!.request.policy, 'oauth2');
    const landed = await finish(ua, id);
    assert.equal(landed.origin + landed.pathname, REDIRECT_URI);
    assert.match(landed.searchParams.get('code')!, /^pxc_/);
    assert.equal(landed.searchParams.get('state'), 'old-3');
  });
});
