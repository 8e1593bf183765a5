/**
 * The SSRF-safe fetcher (src/fetch): address checks, scheme rules, no redirects, size limit,
 * timeouts and caching, against real HTTP servers on loopback.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { addressProblem, cacheSeconds, createSafeFetcher, FetchRefused } from '../../src/fetch/safe-fetch.js';

describe('addressProblem', () => {
  const refused = ['10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255',
    'fc00::1', 'fd12::1', 'fe80::1', '::', 'ff02::1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '2001:db8::1'];
  for (const a of refused) it(`refuses ${a}`, () => assert.ok(addressProblem(a, true)));
  it('refuses loopback unless allowed (dev mode)', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
      assert.match(addressProblem(a, false) ?? '', /loopback/);
      assert.equal(addressProblem(a, true), null);
    }
  });
  it('allows public addresses', () => {
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111']) assert.equal(addressProblem(a, false), null);
  });
});

describe('cacheSeconds', () => {
  it('follows max-age, refuses no-store/no-cache, bounds the time', () => {
    assert.equal(cacheSeconds('public, max-age=60', 86400), 60);
    assert.equal(cacheSeconds('max-age=999999', 3600), 3600);
    assert.equal(cacheSeconds('no-store', 3600), 0);
    assert.equal(cacheSeconds('no-cache, max-age=60', 3600), 0);
    assert.equal(cacheSeconds(undefined, 3600), 300);
  });
});

describe('createSafeFetcher', () => {
  let server: Server;
  let base: string;
  let hits = 0;
  const handlers: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/doc.json': (_q, res) => { hits++; res.setHeader('cache-control', 'max-age=60'); res.end(JSON.stringify({ ok: true })); },
    '/nostore.json': (_q, res) => { hits++; res.setHeader('cache-control', 'no-store'); res.end('{"n":1}'); },
    '/redirect': (_q, res) => { res.statusCode = 302; res.setHeader('location', 'http://169.254.169.254/latest/meta-data'); res.end(); },
    '/big': (_q, res) => { res.end(JSON.stringify({ pad: 'x'.repeat(40_000) })); },
    '/big-chunked': (_q, res) => { for (let i = 0; i < 50; i++) res.write('x'.repeat(1000)); res.end(); },
    '/slow': () => { /* never answers */ },
    '/trickle': (_q, res) => { res.writeHead(200); res.write('{"a":'); /* and never ends */ },
    '/notjson': (_q, res) => { res.end('<html>'); },
    '/404': (_q, res) => { res.statusCode = 404; res.end('{}'); },
  };

  before(async () => {
    server = createServer((req, res) => (handlers[req.url ?? ''] ?? handlers['/404'])(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const dev = (totalTimeoutMs = 10_000) => createSafeFetcher({ allowLoopback: true, totalTimeoutMs, connectTimeoutMs: 10_000, maxBytes: 16 * 1024 });

  it('fetches JSON from loopback in dev mode, and caches it by max-age', async () => {
    const f = dev();
    hits = 0;
    assert.deepEqual(await f.fetchJson(`${base}/doc.json`), { ok: true });
    assert.deepEqual(await f.fetchJson(`${base}/doc.json`), { ok: true });
    assert.equal(hits, 1);
    await f.fetchJson(`${base}/nostore.json`);
    await f.fetchJson(`${base}/nostore.json`);
    assert.equal(hits, 3, 'no-store is fetched each time');
  });

  it('outside dev mode: http and loopback are refused before any connection', async () => {
    hits = 0;
    const f = createSafeFetcher();
    await assert.rejects(f.fetchJson(`${base}/doc.json`), (e: Error) => e instanceof FetchRefused && /https/.test(e.message));
    await assert.rejects(f.fetchJson('https://127.0.0.1/doc.json'), /loopback/);
    await assert.rejects(f.fetchJson('https://[::1]/doc.json'), /loopback/);
    assert.equal(hits, 0);
  });

  it('a host name that resolves to a private address is refused (every address is checked)', async () => {
    const f = createSafeFetcher({ resolve: async (h) => (h === 'inside.test' ? [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }] : []) });
    await assert.rejects(f.fetchJson('https://inside.test/doc.json'), /10\.0\.0\.5 is a private/);
    const meta = createSafeFetcher({ resolve: async () => [{ address: '169.254.169.254', family: 4 }] });
    await assert.rejects(meta.fetchJson('https://metadata.test/latest'), /169\.254\.169\.254/);
    await assert.rejects(createSafeFetcher().fetchJson('https://10.0.0.1/x'), /private/);
  });

  it('connects to the address it checked (a test host name mapped to the loopback server in dev mode)', async () => {
    const port = (server.address() as AddressInfo).port;
    const f = createSafeFetcher({ allowLoopback: true, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    // http is only for loopback host names, so a mapped name must use https: the TLS handshake with a plain HTTP server fails.
    await assert.rejects(f.fetchJson(`https://client.test:${port}/doc.json`), /request failed/);
    await assert.rejects(f.fetchJson(`http://client.test:${port}/doc.json`), /https/);
  });

  it('redirects are not followed', async () => {
    await assert.rejects(dev().fetchJson(`${base}/redirect`), /HTTP 302 \(redirects are not followed\)/);
  });

  it('bodies over the size limit are refused, with or without Content-Length', async () => {
    await assert.rejects(dev().fetchJson(`${base}/big`), /larger than 16384 bytes/);
    await assert.rejects(dev().fetchJson(`${base}/big-chunked`), /larger than 16384 bytes/);
  });

  it('a server that does not answer, or never finishes, times out', async () => {
    await assert.rejects(dev(300).fetchJson(`${base}/slow`), /no complete answer within 300 ms/);
    await assert.rejects(dev(300).fetchJson(`${base}/trickle`), /no complete answer within 300 ms/);
  });

  it('errors, non-JSON, credentials and fragments are refused', async () => {
    await assert.rejects(dev().fetchJson(`${base}/404`), /HTTP 404/);
    await assert.rejects(dev().fetchJson(`${base}/notjson`), /not JSON/);
    await assert.rejects(dev().fetchJson(`http://u:p@127.0.0.1:1/x`), /credentials/);
    await assert.rejects(dev().fetchJson(`${base}/doc.json#frag`), /fragment/);
  });
});
