/**
 * Upgrading: the current release starts on an SQLite data folder made by an earlier release
 * (test/fixtures/upgrade-0015: migrations up to 0015, tokens issued then) and loses nothing.
 * Its tokens still introspect, verify against the JWKS and refresh; the user still signs in;
 * the new flows (PAR with DPoP) work for the old clients; every migration is recorded once.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import * as client from 'openid-client';
import { MIGRATION_NAMES } from '../../src/storage/migrations/names.js';
import { CONFIDENTIAL_CLIENT, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { basic, postForm } from '../helpers/flow.js';
import { startTestServer, TestClock } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

const FIXTURE_DIR = join(import.meta.dirname, '..', 'fixtures', 'upgrade-0015');

interface Issued {
  now: number;
  issuer: string;
  client_credentials: { access_token: string };
  authorization_code: { access_token: string; refresh_token: string; id_token: string };
}

const issued = JSON.parse(readFileSync(join(FIXTURE_DIR, 'issued.json'), 'utf8')) as Issued;
const PUBLIC_URL = new URL(issued.issuer).origin;
let dataDir: string;

before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'pixie-upgrade-'));
  for (const f of ['pixie.db', 'secrets.key']) cpSync(join(FIXTURE_DIR, f), join(dataDir, f));
});
after(() => { rmSync(dataDir, { recursive: true, force: true }); });

describe('a data folder of the release with migrations to 0015', () => {
  it('opens it on the clock it was made on: its tokens introspect, verify and refresh', async () => {
    // The public URL the old release answered under, so that its tokens' `iss` is this server's.
    const s = await startTestServer({ config: { dataDir, publicUrl: PUBLIC_URL }, clock: new TestClock(issued.now + 60), imports: [] });
    try {
      // Where it listens (its public URL names the old release's port instead).
      const base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}/default/default`;
      const introspected = await (await postForm(`${base}/oauth2/introspect`, { token: issued.client_credentials.access_token }, { authorization: basic() })).json() as Record<string, unknown>;
      assert.equal(introspected.active, true);
      assert.equal(introspected.client_id, CONFIDENTIAL_CLIENT);

      const jwks = await (await fetch(`${base}/.well-known/jwks.json`)).json() as JSONWebKeySet;
      for (const token of [issued.client_credentials.access_token, issued.authorization_code.access_token]) {
        const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: issued.issuer, currentDate: new Date((issued.now + 60) * 1000) });
        assert.equal(payload.iss, issued.issuer);
      }

      const userinfo = await fetch(`${base}/userinfo`, { headers: { authorization: `Bearer ${issued.authorization_code.access_token}` } });
      assert.equal(userinfo.status, 200);
      assert.equal((await userinfo.json() as { sub: string }).sub, decodeJwt(issued.authorization_code.id_token).sub);

      const refreshed = await postForm(`${base}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: issued.authorization_code.refresh_token, client_id: PUBLIC_CLIENT });
      const body = await refreshed.json() as { access_token?: string; token_type?: string };
      assert.equal(refreshed.status, 200, JSON.stringify(body));
      assert.equal(body.token_type, 'Bearer');
      assert.ok(body.access_token);
    } finally {
      await s.close();
    }
  });

  it('restarts on it with the real clock: the user signs in, and an old client uses PAR with DPoP', async () => {
    const s = await startTestServer({ config: { dataDir }, imports: [] });
    try {
      const meta = await (await fetch(`${s.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
      assert.equal(meta.pushed_authorization_request_endpoint, `${s.issuer}/oauth2/par`);
      assert.equal(meta.device_authorization_endpoint, `${s.issuer}/oauth2/device_authorization`);
      assert.ok(Array.isArray(meta.dpop_signing_alg_values_supported), 'an old server has DPoP allowed, the default');

      const config = await client.discovery(new URL(s.issuer), PUBLIC_CLIENT, {}, client.None(), { execute: [client.allowInsecureRequests] });
      const keys = await client.randomDPoPKeyPair();
      const dpop = client.getDPoPHandle(config, keys);
      const verifier = client.randomPKCECodeVerifier();
      const url = await client.buildAuthorizationUrlWithPAR(config, {
        redirect_uri: REDIRECT_URI, scope: 'openid', state: 'st',
        code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      }, { DPoP: dpop });
      // The user's password hash was made by the earlier release.
      const callback = await new UserAgent(s.url).authorize(url.toString(), USER);
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'st' }, undefined, { DPoP: dpop });
      assert.equal(tokens.token_type.toLowerCase(), 'dpop');
      assert.ok((decodeJwt(tokens.access_token).cnf as { jkt?: string }).jkt);
    } finally {
      await s.close();
    }
  });

  it('has every migration recorded once', () => {
    const db = new Database(join(dataDir, 'pixie.db'), { readonly: true });
    try {
      const names = db.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all() as string[];
      assert.deepEqual(names, [...MIGRATION_NAMES]);
    } finally {
      db.close();
    }
  });
});
