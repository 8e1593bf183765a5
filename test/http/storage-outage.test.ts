/**
 * The database becomes unreachable (a TCP proxy in front of PostgreSQL is shut): requests get
 * 503 temporarily_unavailable with Retry-After, the outage is logged once, and Pixie serves
 * again when the database is back.
 */
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { it } from 'node:test';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET } from '../helpers/fixture.js';
import { basic, postForm } from '../helpers/flow.js';
import { createTestSchema, describeUnless, PG_SKIP, PG_URL } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/server.js';

/** A TCP proxy to PostgreSQL that can be cut (listening stopped, connections dropped) and restored on the same port. */
class CuttableProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => {});
        s.once('close', () => { this.sockets.delete(s); client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    const closed = new Promise((r) => this.server!.close(r));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

describeUnless(PG_SKIP, 'storage outage', () => {
  it('answers 503 temporarily_unavailable with Retry-After, logs it once, and recovers', async () => {
    const schema = await createTestSchema();
    const pgUrl = new URL(PG_URL!);
    const proxy = new CuttableProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    await proxy.open();
    const viaProxy = new URL(schema.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const stream = new PassThrough();
    let log = '';
    stream.on('data', (d) => (log += d.toString()));
    const s = await startTestServer({ config: { databaseUrl: viaProxy.toString(), logLevel: 'error' }, logStream: stream });
    const token = () => postForm(`${s.issuer}/oauth2/token`, { grant_type: 'client_credentials', scope: 'read_inbox' }, { authorization: basic(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET) });
    try {
      assert.equal((await token()).status, 200);
      await proxy.cut();
      for (let i = 0; i < 5; i++) {
        const res = await token();
        const body = await res.json();
        assert.equal(res.status, 503, JSON.stringify(body));
        assert.equal(body.error, 'temporarily_unavailable');
        assert.equal(res.headers.get('retry-after'), '5');
      }
      const page = await fetch(`${s.issuer}/oauth2/authorize?client_id=x`, { redirect: 'manual' });
      assert.equal(page.status, 503);
      assert.equal(log.match(/storage unavailable/g)?.length, 1, log);
      await proxy.open();
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await token()).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(status, 200, 'serves again once the database is back');
    } finally {
      await s.close();
      await proxy.cut();
      await schema.drop();
    }
  });
});
