/** `pixie token --resource URI` (RFC 8707): sent on the authorization and token requests, and on --refresh. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { PRINTED_URL, runCli, type CliRun } from '../helpers/cli.js';
import { FIXTURE, PUBLIC_CLIENT, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

const API = 'https://api.example.com/';
const MCP = 'https://mcp.example.com/mcp';

let s: TestServer;
let configDir: string;
before(async () => {
  const file = structuredClone(FIXTURE);
  file.tenants[0]!.servers![0]!.resources = [{ uri: API }, { uri: MCP }];
  s = await startTestServer({ imports: [file] });
  configDir = mkdtempSync(join(tmpdir(), 'pixie-config-'));
});
after(async () => {
  await s.close();
  rmSync(configDir, { recursive: true, force: true });
});

function token(args: string[]): CliRun {
  return runCli(['token', '--no-browser', ...args], { PIXIE_CONFIG_DIR: configDir });
}

describe('pixie token --resource', () => {
  it('asks for the resources on authorize and token requests; the token\'s aud is them; --refresh narrows', async () => {
    const run = token(['--issuer', s.issuer, '--client-id', PUBLIC_CLIENT, '--scope', 'read_inbox offline_access',
      '--resource', API, '--resource', MCP, '--json', '--save', 'apis']);
    const url = new URL((await run.waitFor(PRINTED_URL))[1]!);
    // Pushed (RFC 9126) with the other parameters: the aud below shows they travelled.
    assert.ok(url.searchParams.get('request_uri'));
    const back = await new UserAgent(s.url).authorize(url.toString(), USER);
    assert.equal((await fetch(back)).status, 200);
    assert.equal(await run.exit, 0, run.stderr());
    const fields = JSON.parse(run.stdout());
    assert.deepEqual(decodeJwt(fields.access_token).aud, [API, MCP]);

    const refreshed = token(['--refresh', 'apis', '--resource', MCP]);
    assert.equal(await refreshed.exit, 0, refreshed.stderr());
    assert.equal(decodeJwt(refreshed.stdout().trim()).aud, MCP);
  });

  it('reports invalid_target from the server for a resource it does not know', async () => {
    // Pushed: refused before the browser opens.
    const pushed = token(['--issuer', s.issuer, '--client-id', PUBLIC_CLIENT, '--resource', 'https://unknown.example.com/']);
    assert.equal(await pushed.exit, 1);
    assert.match(pushed.stderr(), /pushed authorization request endpoint refused the request \(HTTP 400\): invalid_target/);
    // In the browser URL: the authorization endpoint sends the error back.
    const run = token(['--issuer', s.issuer, '--client-id', PUBLIC_CLIENT, '--resource', 'https://unknown.example.com/', '--no-par']);
    const url = new URL((await run.waitFor(PRINTED_URL))[1]!);
    assert.deepEqual(url.searchParams.getAll('resource'), ['https://unknown.example.com/']);
    const back = await new UserAgent(s.url).authorize(url.toString(), USER);
    assert.equal(back.searchParams.get('error'), 'invalid_target');
    await fetch(back);
    assert.equal(await run.exit, 1);
    assert.match(run.stderr(), /invalid_target/);
  });

  it('refuses a resource with a fragment or a relative one before starting', async () => {
    for (const bad of ['https://api.example.com/#x', '/api']) {
      const run = token(['--issuer', s.issuer, '--client-id', PUBLIC_CLIENT, '--resource', bad]);
      assert.notEqual(await run.exit, 0);
      assert.match(run.stderr(), /--resource .*(fragment|absolute URI)/);
    }
  });
});
