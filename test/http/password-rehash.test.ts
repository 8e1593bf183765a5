/**
 * Transparent rehash: a password hash made at older, weaker parameters (N=2^14) still signs in,
 * and that sign-in rewrites it at the configured cost (default N=2^17).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword, verifyPassword } from '../../src/crypto/password.js';
import { USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

async function signIn(s: TestServer, user: { username: string; password: string }): Promise<number> {
  const ua = new UserAgent(s.url);
  const res = await ua.post('/login', { ...UserAgent.fields(await (await ua.get('/login')).text()), ...user });
  await res.arrayBuffer();
  return res.status;
}

describe('password rehash at sign-in', () => {
  let s: TestServer;
  before(async () => {
    // The default cost (17), not the suite's 14.
    s = await startTestServer({ config: { passwordHashCost: 17 } });
  });
  after(() => s.close());

  const stored = async () => (await s.deps.stores.users.findByUsername('default', USER.username))!;

  it('imports hash at the configured cost', async () => {
    assert.match((await stored()).passwordHash, /^scrypt\$131072\$8\$1\$/);
  });

  it('an old 2^14 hash signs in and is rewritten at 2^17; the new hash signs in too', async () => {
    const user = await stored();
    const old = await hashPassword(USER.password, 14);
    await s.deps.stores.users.upsert({ ...user, passwordHash: old }, s.deps.clock.now());

    // A wrong password changes nothing.
    assert.equal(await signIn(s, { username: USER.username, password: 'wrong' }), 401);
    assert.equal((await stored()).passwordHash, old);

    assert.equal(await signIn(s, USER), 303);
    const rehashed = (await stored()).passwordHash;
    assert.match(rehashed, /^scrypt\$131072\$8\$1\$/);
    assert.equal(await verifyPassword(USER.password, rehashed), true);

    assert.equal(await signIn(s, USER), 303);
    assert.equal((await stored()).passwordHash, rehashed, 'a hash at the current cost is kept');
  });
});

describe('password hash cost', () => {
  it('a server at a lower cost keeps a stronger hash as it is', async () => {
    const s = await startTestServer();
    try {
      const user = (await s.deps.stores.users.findByUsername('default', USER.username))!;
      assert.match(user.passwordHash, /^scrypt\$16384\$/, 'the test servers hash at 2^14');
      const strong = await hashPassword(USER.password, 15);
      await s.deps.stores.users.upsert({ ...user, passwordHash: strong }, s.deps.clock.now());
      assert.equal(await signIn(s, USER), 303);
      assert.equal((await s.deps.stores.users.findByUsername('default', USER.username))!.passwordHash, strong);
    } finally {
      await s.close();
    }
  });
});
