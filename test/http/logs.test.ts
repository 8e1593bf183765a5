/** SPEC §6 / issue 5: no token, code, secret, password or verifier in any log line, at any level. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, POST_CLIENT, POST_SECRET, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { authorizeUrl, basic, postForm } from '../helpers/flow.js';
import { startTestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

describe('log redaction', () => {
  it('logs a full flow at trace level without any secret it used', async () => {
    const stream = new PassThrough();
    let log = '';
    stream.on('data', (chunk) => (log += chunk.toString()));
    const s = await startTestServer({ config: { logLevel: 'trace' }, logStream: stream });
    const secrets: string[] = [USER.password, CONFIDENTIAL_SECRET, POST_SECRET];
    try {
      const ua = new UserAgent(s.url);
      const { verifier, challenge } = pkce();
      secrets.push(verifier);
      const back = await ua.authorize(authorizeUrl(s, {
        client_id: PUBLIC_CLIENT, scope: 'openid offline_access', state: 'st', code_challenge: challenge, code_challenge_method: 'S256',
      }), USER);
      const code = back.searchParams.get('code')!;
      secrets.push(code, ...ua.cookies.values());
      // The code also passes through a URL Pixie serves (as on a login_success page).
      await fetch(`${s.url}/oauth/login_success?code=${code}&state=st`);
      const tokens = await (await postForm(`${s.issuer}/oauth2/token`, {
        grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code, redirect_uri: REDIRECT_URI, code_verifier: verifier,
      })).json();
      secrets.push(tokens.access_token, tokens.refresh_token, tokens.id_token);
      const refreshed = await (await postForm(`${s.issuer}/oauth2/token`, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: tokens.refresh_token })).json();
      secrets.push(refreshed.access_token, refreshed.refresh_token);
      await postForm(`${s.issuer}/oauth2/token`, { grant_type: 'client_credentials', client_id: POST_CLIENT, client_secret: POST_SECRET });
      await postForm(`${s.issuer}/oauth2/introspect`, { token: refreshed.access_token }, { authorization: basic() });
      await fetch(`${s.issuer}/userinfo`, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
      await fetch(`${s.issuer}/userinfo?access_token=${refreshed.access_token}`);
      await postForm(`${s.issuer}/oauth2/revoke`, { token: refreshed.refresh_token, client_id: PUBLIC_CLIENT });
      // RP-initiated logout carries the ID token in the query string.
      await ua.get(`${s.issuer}/oauth2/logout?id_token_hint=${tokens.id_token}&state=st`);
      await postForm(`${s.issuer}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: basic(CONFIDENTIAL_CLIENT, 'a-wrong-secret-value') });
      secrets.push('a-wrong-secret-value');
      // RFC 9126: a pushed request's request_uri, in the authorize URL, starts the request for whoever has it.
      const pushed = await (await postForm(`${s.issuer}/oauth2/par`, {
        response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256',
      }, { authorization: basic() })).json();
      secrets.push(pushed.request_uri);
      await fetch(`${s.issuer}/oauth2/authorize?${new URLSearchParams({ client_id: CONFIDENTIAL_CLIENT, request_uri: pushed.request_uri })}`, { redirect: 'manual' });
    } finally {
      await s.close();
    }
    assert.ok(log.split('\n').length > 20, 'trace logging produced lines');
    for (const secret of secrets) {
      assert.ok(secret && secret.length >= 8);
      assert.equal(log.includes(secret), false, `a secret (${secret.slice(0, 6)}…) appears in the log`);
      assert.equal(log.includes(encodeURIComponent(secret)), false);
    }
  });

  it('masks parameters whose names are percent-encoded, and secrets in logged bodies and headers', async () => {
    const stream = new PassThrough();
    let log = '';
    stream.on('data', (chunk) => (log += chunk.toString()));
    const s = await startTestServer({ config: { logLevel: 'trace' }, logStream: stream });
    const secrets = ['enc-access-token-0001', 'enc-code-value-0002', 'enc-client-secret-0003', 'enc-state-value-0004', 'enc-secret-plus-0005', 'enc-body-secret-0006', 'enc-nested-password-7', 'enc-dpop-proof-0008'];
    try {
      await fetch(`${s.issuer}/userinfo?access_%74oken=${secrets[0]}`);
      await fetch(`${s.url}/oauth/login_success?c%6fde=${secrets[1]}&st%61te=${secrets[3]}`);
      await postForm(`${s.issuer}/oauth2/token?client_%73ecret=${secrets[2]}`, { grant_type: 'client_credentials', client_id: CONFIDENTIAL_CLIENT });
      await postForm(`${s.url}/oauth/access_token?%63lient%5Fsecret=${secrets[4]}`, { client_id: CONFIDENTIAL_CLIENT, code: 'x' });
      await fetch(`${s.issuer}/userinfo`, { headers: { authorization: `DPoP ${secrets[7]}`, dpop: secrets[7] } });
      // Whatever logs a parsed body or headers gets them masked too (form or JSON, any depth).
      s.app.log.info({ body: { Client_Secret: secrets[5], nested: { password: secrets[6] }, kept: 'visible-value' } }, 'body');
      s.app.log.info({ headers: { authorization: `Bearer ${secrets[7]}`, cookie: `s=${secrets[7]}`, dpop: secrets[7] } }, 'headers');
    } finally {
      await s.close();
    }
    assert.ok(log.includes('visible-value') && log.includes('access_%74oken=[redacted]'), 'the lines were logged');
    for (const secret of secrets) assert.equal(log.includes(secret), false, `${secret} appears in the log`);
  });
});
