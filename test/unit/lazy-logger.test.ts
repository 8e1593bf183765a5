/** The per-request logger is made only when a line is written (src/http/logging.ts). */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { lazyChildLogger, loggerOptions } from '../../src/http/logging.js';

async function appLogging(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  const app = Fastify({ logger: { ...(loggerOptions(level) as object), stream }, childLoggerFactory: lazyChildLogger as never });
  app.get('/quiet', async (request) => { request.log.info('info line'); return { ok: true }; });
  app.get('/loud', async (request) => { request.log.error({ authorization: 'x' }, 'error line'); return { ok: true }; });
  app.get('/child', async (request) => { request.log.child({ part: 'inner' }).warn('child line'); return { ok: true }; });
  app.get('/level', async (request) => ({ level: request.log.level, info: (request.log as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled('info') }));
  return { app, lines };
}

describe('lazy request logger', () => {
  it('at warn writes nothing for info lines and writes error lines with the request id', async () => {
    const { app, lines } = await appLogging('warn');
    assert.equal((await app.inject('/quiet')).statusCode, 200);
    assert.equal(lines.length, 0, 'no request log lines and no info line at warn');
    await app.inject('/loud');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.msg, 'error line');
    assert.match(String(lines[0]!.reqId), /^req-/);
    await app.inject('/child');
    assert.equal(lines[1]!.msg, 'child line');
    assert.equal(lines[1]!.part, 'inner');
    assert.ok(lines[1]!.reqId, 'a child of the request logger keeps the request id');
    assert.deepEqual((await app.inject('/level')).json(), { level: 'warn', info: false });
    await app.close();
  });

  it('at info writes Fastify\'s request lines and the handler\'s line, each with the request id', async () => {
    const { app, lines } = await appLogging('info');
    await app.inject('/quiet');
    assert.deepEqual(lines.map((l) => l.msg), ['incoming request', 'info line', 'request completed']);
    assert.equal(new Set(lines.map((l) => l.reqId)).size, 1);
    await app.close();
  });
});
