/**
 * `pixie token --device` (RFC 8628) against a real Pixie: the command prints the user code and
 * the verification URL (and, on a terminal, a QR code and a progress line), the test approves
 * or denies on the verification page with form posts, and the command ends like the other
 * token modes. Each run polls once after the server's 5-second interval; the runs go in parallel.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { renderQr } from '../../src/cli/token/qr.js';
import type { ImportFileData } from '../../src/import/schema.js';
import { runCliInProcess } from '../helpers/cli.js';
import { DEVICE_CLIENT, deviceClients, enterDeviceCode } from '../helpers/device.js';
import { FIXTURE, PUBLIC_CLIENT } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const PASSWORD = 'a password for the parallel users';
const CODE_LINE = /enter the code: ([B-Z]{4}-[B-Z]{4})/;

let s: TestServer;
let configDir: string;
before(async () => {
  const data: ImportFileData = structuredClone(FIXTURE);
  data.tenants[0]!.servers![0]!.clients!.push(...(deviceClients() as never[]));
  // The runs go in parallel, and parallel sign-ins to one account are refused: one user each.
  data.tenants[0]!.users!.push(...['bob', 'carol'].map((username) => ({ username, password: PASSWORD })));
  s = await startTestServer({ imports: [data] });
  configDir = mkdtempSync(join(tmpdir(), 'pixie-config-'));
});
after(async () => {
  await s.close();
  rmSync(configDir, { recursive: true, force: true });
});

function token(args: string[], tty = false) {
  return runCliInProcess(['token', ...args], { PIXIE_CONFIG_DIR: configDir }, { errIsTTY: tty });
}

describe('pixie token --device', { concurrency: true }, () => {
  it('prints the code and the URL, waits for approval, prints the tokens and saves them for --refresh; no QR code off a terminal', async () => {
    const run = token(['--device', '--issuer', s.issuer, '--client-id', DEVICE_CLIENT, '--scope', 'openid offline_access', '--json', '--save', 'tv']);
    const code = (await run.waitFor(CODE_LINE))[1]!;
    assert.match(run.stderr(), new RegExp(`^ {2}${s.issuer}/device$`, 'm'));
    const done = await enterDeviceCode(s, code);
    assert.equal(done.headers.get('location'), `${s.issuer}/device/done?result=approved`);
    assert.equal(await run.exit, 0, run.stderr());
    const fields = JSON.parse(run.stdout()) as Record<string, string>;
    assert.equal(decodeJwt(fields.id_token!).aud, DEVICE_CLIENT);
    assert.ok(fields.refresh_token);
    assert.doesNotMatch(run.stderr(), /[▀▄█]/, 'no QR code when the output is not a terminal');
    assert.match(run.stderr(), /Waiting for approval/);
    const refreshed = token(['--refresh', 'tv']);
    assert.equal(await refreshed.exit, 0, refreshed.stderr());
    assert.ok(refreshed.stdout().trim());
  });

  it('on a terminal draws a QR code of verification_uri_complete and a progress line; Deny ends it with exit status 1', async () => {
    const run = token(['--device', '--issuer', s.issuer, '--client-id', DEVICE_CLIENT, '--scope', 'read_inbox'], true);
    const code = (await run.waitFor(CODE_LINE))[1]!;
    await run.waitFor(/Waiting for approval… \d+:\d\d left/);
    assert.ok(run.stderr().includes(renderQr(`${s.issuer}/device?user_code=${code}`)), 'the QR code of the complete URL');
    await enterDeviceCode(s, code, { decision: 'deny', user: { username: 'bob', password: PASSWORD } });
    assert.equal(await run.exit, 1);
    assert.match(run.stderr(), /denied/);
    assert.equal(run.stdout(), '');
  });

  it('--no-qr leaves the QR code out on a terminal too', async () => {
    const run = token(['--device', '--issuer', s.issuer, '--client-id', DEVICE_CLIENT, '--no-qr'], true);
    const code = (await run.waitFor(CODE_LINE))[1]!;
    await run.waitFor(/Waiting for approval/);
    assert.doesNotMatch(run.stderr(), /[▀▄]/);
    await enterDeviceCode(s, code, { decision: 'deny', user: { username: 'carol', password: PASSWORD } });
    assert.equal(await run.exit, 1);
  });

  it('reports the server refusing a client without the device grant, and usage errors before starting', async () => {
    const refused = token(['--device', '--issuer', s.issuer, '--client-id', PUBLIC_CLIENT]);
    assert.equal(await refused.exit, 1);
    assert.match(refused.stderr(), /unauthorized_client/);
    for (const [args, message] of [
      [['--device', '--client-id', DEVICE_CLIENT], /--device needs --issuer/],
      [['--device', '--issuer', s.issuer], /--device needs --client-id/],
      [['--device', '--issuer', s.issuer, '--client-id', DEVICE_CLIENT, '--paste'], /--device does not go with --paste/],
      [['--issuer', s.issuer, '--client-id', DEVICE_CLIENT, '--no-qr'], /--no-qr goes with --device/],
    ] as const) {
      const run = token([...args]);
      assert.equal(await run.exit, 2, run.stderr());
      assert.match(run.stderr(), message);
    }
  });
});

describe('renderQr', () => {
  it('draws two modules per line with half blocks, with a light quiet zone', () => {
    const lines = renderQr('https://example.com/default/default/device?user_code=BCDF-GHJK').trimEnd().split('\n');
    assert.ok(lines.length > 10);
    assert.ok(lines.every((l) => l.length === lines[0]!.length && /^[ ▀▄█]+$/.test(l)));
    assert.match(lines[0]!, /^█+$/, 'the top of the quiet zone is all light');
  });
});
