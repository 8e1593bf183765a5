/**
 * Connection deadlines with real slow sockets (short deadlines configured for the test): an
 * idle connection, slowloris headers, a trickled body and an idle keep-alive connection are
 * each closed, while normal requests on other connections keep being answered. No exact
 * timings: "closed before N seconds" with a generous N.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';

const DEADLINES = { headersTimeout: 1000, requestTimeout: 1500, keepAliveTimeout: 1000, idleTimeout: 3000 };
/** Generous: the deadlines are 1–1.5 s; a loaded machine may take longer to notice. */
const CLOSED_BEFORE_MS = 10_000;

interface Slow { socket: Socket; closed: Promise<void>; received: () => string }

function open(s: TestServer, onConnect: (socket: Socket) => void = () => {}): Slow {
  const { port } = new URL(s.url);
  const socket = connect(Number(port), '127.0.0.1', () => onConnect(socket));
  let data = '';
  socket.on('data', (d) => (data += d.toString()));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, closed, received: () => data };
}

/** Writes `chunk` every 200 ms until the socket closes. */
function trickle(socket: Socket, chunk: string): void {
  const timer = setInterval(() => { if (socket.writable) socket.write(chunk); }, 200);
  socket.once('close', () => clearInterval(timer));
}

async function closedInTime(slow: Slow, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still open after ${CLOSED_BEFORE_MS} ms`)), CLOSED_BEFORE_MS);
  });
  try {
    await Promise.race([slow.closed, late]);
  } finally {
    clearTimeout(timer);
    slow.socket.destroy();
  }
}

describe('connection deadlines', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ config: DEADLINES }); });
  after(async () => { await s.close(); });

  it('closes idle, slowloris, trickling and idle keep-alive connections while other requests are answered', async () => {
    const idle = open(s);
    const slowloris = open(s, (sock) => {
      sock.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      trickle(sock, 'X-Slow: 1\r\n');
    });
    const body = open(s, (sock) => {
      sock.write(`POST /default/default/oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n`);
      trickle(sock, 'a');
    });
    const keepAlive = open(s, (sock) => sock.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n'));
    let answered = 0;
    const normal = (async () => {
      // Normal traffic on other connections while the slow ones are held open.
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${s.issuer}/.well-known/openid-configuration`);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        answered++;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    await Promise.all([
      closedInTime(idle, 'idle connection'), closedInTime(slowloris, 'slowloris headers'),
      closedInTime(body, 'trickled body'), closedInTime(keepAlive, 'idle keep-alive connection'), normal,
    ]);
    assert.equal(answered, 6);
    assert.match(keepAlive.received(), /^HTTP\/1\.1 200/, 'the keep-alive request itself was answered');
    assert.doesNotMatch(body.received(), /^HTTP\/1\.1 200/);
  });
});

describe('connections per IP', () => {
  it('closes a connection beyond the cap at once, and accepts again when one is gone', async () => {
    const s = await startTestServer({ config: { ...DEADLINES, maxConnectionsPerIp: 3 } });
    try {
      const held = [open(s), open(s), open(s)];
      await Promise.all(held.map((h) => new Promise((r) => h.socket.once('connect', r))));
      await new Promise((r) => setTimeout(r, 100)); // the server has counted them
      const extra = open(s, (sock) => sock.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
      await closedInTime(extra, 'connection beyond the cap');
      assert.equal(extra.received(), '', 'refused without an answer');
      for (const h of held) h.socket.destroy();
      await Promise.all(held.map((h) => h.closed));
      await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(`${s.url}/readyz`, { headers: { connection: 'close' } });
      assert.equal(res.status, 200);
    } finally {
      await s.close();
    }
  });
});
