/** `pixie token --register`: RFC 7591 registration of a public client, then the usual flow. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PRINTED_URL, runCli, type CliRun } from '../helpers/cli.js';
import { FIXTURE, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

let s: TestServer;
let configDir: string;
before(async () => {
  s = await startTestServer({ imports: [FIXTURE, { tenants: [{ id: 'default', servers: [{ id: 'default', registration: 'open' }, { id: 'closed' }] }] }] });
  configDir = mkdtempSync(join(tmpdir(), 'pixie-config-'));
});
after(async () => {
  await s.close();
  rmSync(configDir, { recursive: true, force: true });
});

function token(args: string[]): CliRun {
  return runCli(['token', '--no-browser', ...args], { PIXIE_CONFIG_DIR: configDir });
}

describe('pixie token --register', () => {
  it('registers a public client with the loopback redirect, says so, and completes the flow with it', async () => {
    const run = token(['--issuer', s.issuer, '--register', '--scope', 'openid offline_access', '--json']);
    const url = new URL((await run.waitFor(PRINTED_URL))[1]!);
    const clientId = url.searchParams.get('client_id')!;
    assert.match(clientId, /^dyn-/);
    assert.match(run.stderr(), new RegExp(`Registered a public client at ${s.issuer}/oauth2/register: client_id ${clientId} \\(redirect URI http://127\\.0\\.0\\.1:\\d+/callback\\)`));
    const client = await s.deps.stores.clients.find('default', 'default', clientId);
    assert.equal(client?.dynamic, true);
    assert.equal(client?.public, true);
    // The browser: sign in, consent, and come back to the command's loopback listener.
    const back = await new UserAgent(s.url).authorize(url.toString(), USER);
    assert.equal((await fetch(back)).status, 200);
    assert.equal(await run.exit, 0, run.stderr());
    const fields = JSON.parse(run.stdout());
    assert.ok(fields.access_token);
    assert.match(fields.refresh_token, /^pxrt_/);
  });

  it('explains a server without dynamic registration, and flags that do not go with --register', async () => {
    const closed = token(['--issuer', `${s.url}/default/closed`, '--register']);
    assert.equal(await closed.exit, 1);
    assert.match(closed.stderr(), /does not offer dynamic client registration \(no registration_endpoint in its discovery document\); give --client-id/);
    const both = token(['--issuer', s.issuer, '--register', '--client-id', 'x']);
    assert.equal(await both.exit, 2);
    assert.match(both.stderr(), /--register makes a new client: leave out --client-id/);
    const none = token(['--issuer', s.issuer]);
    assert.equal(await none.exit, 2);
    assert.match(none.stderr(), /--client-id is required \(or --register/);
  });
});
