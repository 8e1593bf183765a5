/**
 * Lock-outs stop attackers, not owners: a browser that signed in to an account before holds a
 * device cookie (HMAC under the server's cookie key); its attempts count against that device,
 * so an account locked by guesses from elsewhere still opens for it. A guesser gains nothing
 * from a forged cookie or from the device cookie of another account.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FIXTURE, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

const DEVICE = 'pixie_device_default';
const MALLORY = { username: 'mallory', password: 'mallory has her own account' };

async function attempt(ua: UserAgent, user: { username: string; password: string }): Promise<number> {
  const page = await ua.get('/login');
  const res = await ua.post('/login', { ...UserAgent.fields(await page.text()), ...user });
  await res.arrayBuffer();
  return res.status;
}

describe('device cookies', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      imports: [FIXTURE, { tenants: [{ id: 'default', users: [{ username: MALLORY.username, password: MALLORY.password }] }] }],
    });
  });
  after(() => s.close());

  it('an account locked by failures from an attacker still signs in from the owner\'s browser', async () => {
    const owner = new UserAgent(s.url);
    assert.equal(await attempt(owner, USER), 303);
    const device = owner.cookies.get(DEVICE);
    assert.match(device ?? '', /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/, 'a device cookie after sign-in');

    // Mallory signs in to her own account (and gets a device cookie for it), then guesses Alice's password.
    const attacker = new UserAgent(s.url);
    assert.equal(await attempt(attacker, MALLORY), 303);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await attempt(attacker, { username: USER.username, password: `guess ${i}` }));
    assert.deepEqual(statuses.slice(0, 4), [401, 401, 401, 401]);
    assert.ok(statuses.slice(4).every((st) => st === 429), statuses.join());
    // Locked: the right password from the attacker's browser (with her own device cookie) is refused too.
    assert.equal(await attempt(attacker, USER), 429);
    // A browser that never signed in is locked out as well.
    assert.equal(await attempt(new UserAgent(s.url), USER), 429);

    // The owner's browser signs in, and gets a fresh device cookie.
    assert.equal(await attempt(owner, USER), 303);
    assert.ok(owner.cookies.get(DEVICE));
    assert.notEqual(owner.cookies.get(DEVICE), device);

    // The owner's success does not open the account for the attacker.
    assert.equal(await attempt(attacker, USER), 429);
    const acct = await s.deps.stores.loginAttempts.get('acct:default:alice');
    assert.ok(acct?.lockedUntil && acct.lockedUntil > s.deps.clock.now(), 'the account stays locked');
  });

  it('a forged device cookie, or one copied to another account, gives nothing', async () => {
    const forger = new UserAgent(s.url);
    forger.cookies.set(DEVICE, `${'A'.repeat(22)}.${'B'.repeat(43)}`);
    assert.equal(await attempt(forger, USER), 429);
    forger.cookies.set(DEVICE, 'not-a-device-cookie');
    assert.equal(await attempt(forger, USER), 429);
    // A genuine device cookie of Mallory's account, sent for Alice's.
    const mallory = new UserAgent(s.url);
    assert.equal(await attempt(mallory, MALLORY), 303);
    const hers = mallory.cookies.get(DEVICE)!;
    const [id, mac] = hers.split('.');
    forger.cookies.set(DEVICE, hers);
    assert.equal(await attempt(forger, USER), 429);
    // Its MAC with one character changed.
    forger.cookies.set(DEVICE, `${id}.${mac!.startsWith('A') ? 'B' : 'A'}${mac!.slice(1)}`);
    assert.equal(await attempt(forger, MALLORY), 303, 'a bad device cookie is ignored, not an error');
  });

  it('failures from a known device count against that device, not the account', async () => {
    const clock = { seconds: Math.floor(Date.now() / 1000), now() { return this.seconds; } };
    const t = await startTestServer({ clock });
    try {
      const owner = new UserAgent(t.url);
      assert.equal(await attempt(owner, USER), 303);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push(await attempt(owner, { username: USER.username, password: `typo ${i}` }));
      assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
      // The account itself is not locked: another browser signs in.
      assert.equal(await t.deps.stores.loginAttempts.get('acct:default:alice'), null);
      assert.equal(await attempt(new UserAgent(t.url), USER), 303);
      // The device is locked until its failures are forgotten (an hour after the last).
      assert.equal(await attempt(owner, USER), 429);
      clock.seconds += 61 * 60;
      assert.equal(await attempt(owner, USER), 303);
    } finally {
      await t.close();
    }
  });
});
