/**
 * `pixie import --check` and `--schema`, run in-process, and examples/import.json: it passes the
 * check, and a server started with it (as `--import` does) serves discovery for its servers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../src/cli/run.js';
import { startTestServer } from '../helpers/server.js';

const EXAMPLE = new URL('../../examples/import.json', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'pixie-import-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function pixie(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, { out: (t) => (stdout += t), err: (t) => (stderr += t), env: {} });
  return { status, stdout, stderr };
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('pixie import', () => {
  it('--check passes the example and counts what it declares', async () => {
    const r = await pixie(['import', '--check', EXAMPLE]);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'ok: 1 tenant, 1 user, 3 servers, 4 clients\n');
    assert.equal(r.status, 0);
  });

  it('--check lists every problem with its path and exits 2', async () => {
    const bad = file('bad.json', {
      tenants: [{ id: 'Acme', servers: [{ id: 'x', access_token_ttl: 600, clients: [{ client_id: 'a', redirect_uris: ['http://example.com/cb'] }] }] }],
      extra: true,
    });
    const r = await pixie(['import', '--check', bad]);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /is invalid:/);
    assert.match(r.stderr, /\/extra: unknown field/);
    assert.match(r.stderr, /\/tenants\/0\/id: .*\(got "Acme"\)/);
    assert.match(r.stderr, /\/tenants\/0\/servers\/0\/access_token_ttl: unknown field \(did you mean "accessTokenTtl"\?\)/);
  });

  it('--check reports the rules beyond the schema (redirect URIs, public clients)', async () => {
    const bad = file('rules.json', {
      tenants: [{ id: 'acme', servers: [{ id: 'api', clients: [
        { client_id: 'a', redirect_uris: ['http://example.com/cb'] },
        { client_id: 'b', public: true, client_secret: 'twelve-chars' },
      ] }] }],
    });
    const r = await pixie(['import', '--check', bad]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /\/tenants\/0\/servers\/0\/clients\/0\/redirect_uris\/0: must use https/);
    assert.match(r.stderr, /\/tenants\/0\/servers\/0\/clients\/1\/client_secret: a public client has no secret/);
  });

  it('--check says when the file is not JSON or missing', async () => {
    const r = await pixie(['import', '--check', file('broken.json', '{"tenants": [')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /broken\.json: .*JSON/);
    const missing = await pixie(['import', '--check', join(dir, 'nope.json')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope\.json: ENOENT/);
  });

  it('--schema prints the published JSON Schema', async () => {
    const r = await pixie(['import', '--schema']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, readFileSync(new URL('../../docs/import-file.schema.json', import.meta.url), 'utf8'));
    const schema = JSON.parse(r.stdout) as { title: string; properties: Record<string, unknown> };
    assert.equal(schema.title, 'Pixie import file');
    assert.ok(schema.properties.tenants);
  });

  it('--help, and no action, explain the command', async () => {
    const help = await pixie(['import', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /pixie import --check FILE[\s\S]*pixie import --schema/);
    const none = await pixie(['import']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /needs --check FILE or --schema/);
    assert.match((await pixie(['--help'])).stdout, /pixie import --check FILE/);
  });
});

describe('examples/import.json', () => {
  it('a server started with it serves discovery for each of its servers, its admin client gets a token, and it publishes the JSON Schema', async (t) => {
    const server = await startTestServer({ imports: [], config: { importFile: EXAMPLE } });
    t.after(() => server.close());
    for (const id of ['default', 'partners', 'admin']) {
      const issuer = `${server.url}/acme/${id}`;
      const res = await fetch(`${issuer}/.well-known/openid-configuration`);
      assert.equal(res.status, 200, id);
      assert.equal(((await res.json()) as { issuer: string }).issuer, issuer);
    }
    // The JSON Schema is published by the server too.
    const published = await fetch(`${server.url}/schemas/import-file.json`);
    assert.equal(published.status, 200);
    assert.match(published.headers.get('content-type') ?? '', /^application\/schema\+json/);
    assert.equal(await published.text(), readFileSync(new URL('../../docs/import-file.schema.json', import.meta.url), 'utf8'));
    // Its admin client works: a manage_configuration token from the tenant's admin server.
    const token = await fetch(`${server.url}/acme/admin/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('acme-admin:replace-me-admin-secret-0123456789').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'manage_configuration' }),
    });
    assert.equal(token.status, 200);
  });
});
