/** SPEC §1: issuers must be https unless loopback; HTTPS with --tls-cert/--tls-key. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { startTestServer } from '../helpers/server.js';

describe('configuration', () => {
  it('derives a loopback public URL from host and port', () => {
    assert.equal(loadConfig({ port: '9000' }, {}).publicUrl, 'http://127.0.0.1:9000');
    assert.equal(loadConfig({}, { PIXIE_PUBLIC_URL: 'https://auth.example.com/' }).publicUrl, 'https://auth.example.com');
  });

  it('refuses an http public URL on a non-loopback host, and names every problem', () => {
    assert.throws(() => loadConfig({ 'public-url': 'http://auth.example.com', port: 'x', 'log-level': 'loud' }, {}), (e: ConfigError) => {
      assert.equal(e.problems.length, 3);
      assert.match(e.problems.join('\n'), /https unless the host is loopback/);
      assert.match(e.problems.join('\n'), /--port "x"/);
      assert.match(e.problems.join('\n'), /--log-level/);
      return true;
    });
    assert.throws(() => loadConfig({ host: '0.0.0.0' }, {}), ConfigError, 'listening publicly without https needs --public-url');
    assert.throws(() => loadConfig({}, { DATABASE_URL: 'mysql://x' }), /postgres/);
    assert.throws(() => loadConfig({ 'tls-cert': 'a.pem' }, {}), /go together/);
  });

  it('reads connection deadlines, caps and the shutdown grace from the environment (seconds), with defaults', () => {
    const d = loadConfig({}, {});
    assert.deepEqual(
      [d.headersTimeout, d.requestTimeout, d.keepAliveTimeout, d.idleTimeout, d.shutdownGrace, d.maxConnectionsPerIp, d.pendingSignInsPerIp, d.pendingSignInsMax],
      [10_000, 30_000, 5_000, 30_000, 10_000, 100, 100, 10_000],
    );
    const c = loadConfig({}, {
      PIXIE_HEADERS_TIMEOUT: '1.5', PIXIE_REQUEST_TIMEOUT: '2', PIXIE_KEEP_ALIVE_TIMEOUT: '0.5', PIXIE_IDLE_TIMEOUT: '3',
      PIXIE_SHUTDOWN_GRACE: '0', PIXIE_MAX_CONNECTIONS_PER_IP: '0', PIXIE_PENDING_SIGNINS_PER_IP: '7', PIXIE_PENDING_SIGNINS_MAX: '70',
    });
    assert.deepEqual(
      [c.headersTimeout, c.requestTimeout, c.keepAliveTimeout, c.idleTimeout, c.shutdownGrace, c.maxConnectionsPerIp, c.pendingSignInsPerIp, c.pendingSignInsMax],
      [1500, 2000, 500, 3000, 0, 0, 7, 70],
    );
    assert.throws(() => loadConfig({}, { PIXIE_REQUEST_TIMEOUT: '10s', PIXIE_MAX_CONNECTIONS_PER_IP: '1.5' }), (e: ConfigError) => {
      assert.match(e.problems.join('\n'), /PIXIE_REQUEST_TIMEOUT "10s" must be a number of seconds/);
      assert.match(e.problems.join('\n'), /PIXIE_MAX_CONNECTIONS_PER_IP "1.5" must be a whole number/);
      return true;
    });
    assert.throws(() => loadConfig({}, { PIXIE_HEADERS_TIMEOUT: '40' }), /must not be longer than PIXIE_REQUEST_TIMEOUT/);
  });

  it('serves HTTPS with --tls-cert and --tls-key', { skip: existsSync('/usr/bin/openssl') ? false : 'openssl not installed' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixie-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const s = await startTestServer({ config: { tlsCert: cert, tlsKey: key } });
    try {
      assert.match(s.issuer, /^https:\/\/127\.0\.0\.1:\d+\/default\/default$/);
      const body = await new Promise<string>((resolve, reject) => {
        request(`${s.issuer}/.well-known/openid-configuration`, { rejectUnauthorized: false }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve(text));
        }).on('error', reject).end();
      });
      assert.equal(JSON.parse(body).issuer, s.issuer);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
