/** RFC 6749 §5.1: `expires_in` is the lifetime the access token was issued with. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

/** A clock that moves a second on every reading once told to: a slow request, at its worst. */
class TickingClock extends TestClock {
  ticking = false;
  override now(): number {
    if (this.ticking) this.advance(1);
    return super.now();
  }
}

const clock = new TickingClock();
let s: TestServer;
before(async () => { s = await startTestServer({ clock }); });
after(async () => { await s.close(); });

describe('expires_in', () => {
  it('is the configured lifetime even when the clock moves during the request', async () => {
    const { challenge, verifier } = pkce();
    const back = await new UserAgent(s.url).authorize(`${s.issuer}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge,
      code_challenge_method: 'S256',
    })}`, USER);
    clock.ticking = true;
    try {
      const res = await fetch(`${s.issuer}/oauth2/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code: back.searchParams.get('code')!, redirect_uri: REDIRECT_URI,
          code_verifier: verifier,
        }),
      });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.expires_in, 3600);
    } finally {
      clock.ticking = false;
    }
  });
});
