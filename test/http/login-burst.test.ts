/**
 * A burst of parallel sign-in attempts from one IP, each with another username: attempts are
 * counted before the password is checked, so at most the IP's allowance (20) is checked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { USER } from '../helpers/fixture.js';
import { createTestSchema, PG_SKIP } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

const IP_ALLOWANCE = 20;

async function burst(servers: TestServer[], n: number): Promise<Map<number, number>> {
  const agents = await Promise.all(servers.map(async (s) => {
    const ua = new UserAgent(s.url);
    return { ua, fields: UserAgent.fields(await (await ua.get('/login')).text()) };
  }));
  const results = await Promise.all(Array.from({ length: n }, async (_, i) => {
    const { ua, fields } = agents[i % agents.length]!;
    const res = await ua.post('/login', { ...fields, username: `guess-${i}`, password: 'wrong password' });
    await res.arrayBuffer();
    return res.status;
  }));
  const counts = new Map<number, number>();
  for (const status of results) counts.set(status, (counts.get(status) ?? 0) + 1);
  return counts;
}

describe('parallel sign-in attempts from one IP', () => {
  it('100 at once with different usernames: at most 20 passwords are checked, the others get 429', async () => {
    const s = await startTestServer({ config: { maxConnectionsPerIp: 0 } });
    try {
      const counts = await burst([s], 100);
      const checked = counts.get(401) ?? 0;
      assert.ok(checked <= IP_ALLOWANCE, `${checked} passwords were checked`);
      assert.equal(checked + (counts.get(429) ?? 0), 100, JSON.stringify([...counts]));
      // The IP is locked now, for the right password too.
      const ua = new UserAgent(s.url);
      const res = await ua.post('/login', { ...UserAgent.fields(await (await ua.get('/login')).text()), ...USER });
      assert.equal(res.status, 429);
    } finally {
      await s.close();
    }
  });

  it('a successful sign-in takes back its count: 30 sign-ins in a row from one IP all succeed', async () => {
    const s = await startTestServer();
    try {
      for (let i = 0; i < 30; i++) {
        const ua = new UserAgent(s.url);
        const res = await ua.post('/login', { ...UserAgent.fields(await (await ua.get('/login')).text()), ...USER });
        assert.equal(res.status, 303, `sign-in ${i + 1}`);
      }
    } finally {
      await s.close();
    }
  });

  it('two processes on one PostgreSQL database share the allowance', { skip: PG_SKIP }, async () => {
    const schema = await createTestSchema();
    const a = await startTestServer({ config: { databaseUrl: schema.url, maxConnectionsPerIp: 0 } });
    const b = await startTestServer({ config: { databaseUrl: schema.url, maxConnectionsPerIp: 0 }, imports: [] });
    try {
      const counts = await burst([a, b], 100);
      const checked = counts.get(401) ?? 0;
      assert.ok(checked <= IP_ALLOWANCE, `${checked} passwords were checked`);
      assert.equal(checked + (counts.get(429) ?? 0), 100, JSON.stringify([...counts]));
    } finally {
      await a.close();
      await b.close();
      await schema.drop();
    }
  });
});
