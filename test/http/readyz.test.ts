/**
 * /readyz follows the database: PostgreSQL is reached through a TCP relay the test can cut,
 * so "unreachable" is real (refused connections, dropped sockets), not simulated.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, it } from 'node:test';
import { createTestSchema, describeUnless, PG_SKIP, type TestSchema } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

class Relay {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server!.address() as net.AddressInfo).port;
  }

  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server!.close(resolve));
  }
}

describeUnless(PG_SKIP, '/readyz on PostgreSQL', () => {
  let schema: TestSchema;
  let relay: Relay;
  let s: TestServer;
  before(async () => {
    schema = await createTestSchema();
    const url = new URL(schema.url);
    relay = new Relay({ host: url.hostname, port: Number(url.port || 5432) });
    await relay.open();
    url.port = String(relay.port);
    s = await startTestServer({ config: { databaseUrl: url.toString() } });
  });
  after(async () => {
    await s.close();
    await relay.cut();
    await schema.drop();
  });

  /** /readyz reuses its probe's answer for a second: the first answer with `status`, within a few seconds. */
  const readyz = async (status: number): Promise<Response> => {
    let res = await fetch(`${s.url}/readyz`);
    for (let i = 0; i < 50 && res.status !== status; i++) {
      await new Promise((r) => setTimeout(r, 100));
      res = await fetch(`${s.url}/readyz`);
    }
    return res;
  };

  it('answers 200 when the database answers, 503 while it is unreachable, 200 again after', async () => {
    assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
    await relay.cut();
    const down = await readyz(503);
    assert.equal(down.status, 503);
    assert.deepEqual(await down.json(), { status: 'storage unavailable' });
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200, 'the process itself is still up');
    await relay.open();
    assert.equal((await readyz(200)).status, 200);
  });
});
