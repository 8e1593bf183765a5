import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET } from '../helpers/fixture.js';
import { createTestSchema, describeUnless, PG_SKIP, type TestSchema } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

const basic = `Basic ${Buffer.from(`${CONFIDENTIAL_CLIENT}:${CONFIDENTIAL_SECRET}`).toString('base64')}`;

/** The value of one sample line, e.g. `name{a="b"} 3`; labels in the order prom-client writes them. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

async function tokenRequest(s: TestServer, authorization: string): Promise<Response> {
  return fetch(`${s.issuer}/oauth2/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read_inbox' }),
  });
}

describe('/metrics', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(() => s.close());

  it('counts requests by route and status, tokens by grant, login failures, with latency histograms', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await tokenRequest(s, basic)).status, 200);
    assert.equal((await tokenRequest(s, 'Basic d3Jvbmc6d3Jvbmc=')).status, 401);
    const ua = new UserAgent(s.url);
    const fields = UserAgent.fields(await (await ua.get('/login')).text());
    assert.equal((await ua.post('/login', { ...fields, username: 'alice', password: 'wrong' })).status, 401);
    await fetch(`${s.url}/no/such/path/at/all`);

    const res = await fetch(`${s.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const token = 'route="/:tenant/:server/oauth2/token",method="POST"';
    assert.equal(sample(text, `pixie_http_requests_total{${token},status="200"}`), 3);
    assert.equal(sample(text, `pixie_http_requests_total{${token},status="401"}`), 1);
    assert.equal(sample(text, 'pixie_http_requests_total{route="(unmatched)",method="GET",status="404"}'), 1);
    assert.equal(sample(text, 'pixie_tokens_issued_total{grant_type="client_credentials"}'), 3);
    assert.equal(sample(text, 'pixie_login_failures_total{reason="bad_credentials"}'), 1);
    assert.equal(sample(text, `pixie_http_request_duration_seconds_count{${token}}`), 4);
    assert.equal(sample(text, `pixie_http_request_duration_seconds_bucket{le="+Inf",${token}}`), 4);
    assert.ok(sample(text, 'process_cpu_seconds_total') !== null, 'default process metrics are exported');
    assert.equal(sample(text, 'pixie_db_pool_connections{state="total"}'), null, 'no pool gauge on SQLite');
  });
});

describeUnless(PG_SKIP, '/metrics on PostgreSQL', () => {
  let schema: TestSchema;
  let s: TestServer;
  before(async () => {
    schema = await createTestSchema();
    s = await startTestServer({ config: { databaseUrl: schema.url } });
  });
  after(async () => {
    await s.close();
    await schema.drop();
  });

  it('exports the connection pool counters', async () => {
    assert.equal((await tokenRequest(s, basic)).status, 200);
    const text = await (await fetch(`${s.url}/metrics`)).text();
    assert.ok(sample(text, 'pixie_db_pool_connections{state="total"}')! >= 1);
    assert.equal(sample(text, 'pixie_db_pool_connections{state="waiting"}'), 0);
  });
});
