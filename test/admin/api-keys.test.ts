/** API keys of a client in the admin API (SPEC §8, §9): shown once, listed by prefix, revoked, per tenant. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PUBLIC_CLIENT } from '../helpers/fixture.js';
import { introspect } from '../helpers/flow.js';
import { TestClock, type TestServer } from '../helpers/server.js';
import { ACME_ADMIN, ADMIN, api, clientToken, startAdminServer } from './helpers.js';

const clock = new TestClock();
let s: TestServer;
const KEYS = `/api/admin/default/servers/default/clients/${PUBLIC_CLIENT}/api-keys`;

/** A fresh token each time: tests move the clock past a token's lifetime. */
const admin = () => clientToken(s.url, 'default', ADMIN);
const json = (v: unknown) => JSON.stringify(v);

before(async () => { s = await startAdminServer({ clock }); });
after(async () => { await s.close(); });

describe('admin API keys', () => {
  it('shows a new key once; it introspects as an API key of its client until revoked', async () => {
    const token = await admin();
    const created = await api(s.url, 'POST', KEYS, token, { name: 'Production' });
    assert.equal(created.status, 201, json(created.body));
    const key: string = created.body.key;
    assert.match(key, /^pxk_/);
    assert.equal(created.body.name, 'Production');
    assert.ok(key.startsWith(created.body.display_prefix) && created.body.display_prefix.length < key.length);
    assert.equal(created.body.revoked_at, null);

    const active = await introspect(s, key);
    assert.equal(active.active, true, json(active));
    assert.equal(active.token_type, 'api_key');
    assert.equal(active.client_id, PUBLIC_CLIENT);

    const list = await api(s.url, 'GET', KEYS, token);
    assert.equal(list.status, 200);
    assert.ok(!json(list.body).includes(key), 'a listing never contains the key');
    assert.ok(!json(list.body).includes(key.slice(0, 20)), 'nor more than its prefix');
    const item = list.body.items.find((k: { id: string }) => k.id === created.body.id);
    assert.deepEqual(Object.keys(item).sort(), ['created_at', 'display_prefix', 'expires_at', 'id', 'last_used_at', 'name', 'revoked_at']);
    assert.equal(item.last_used_at, clock.now(), 'introspection recorded the use');

    const revoked = await api(s.url, 'DELETE', `${KEYS}/${created.body.id}`, token);
    assert.equal(revoked.status, 204);
    assert.deepEqual(await introspect(s, key), { active: false });
    const after = (await api(s.url, 'GET', KEYS, token)).body.items.find((k: { id: string }) => k.id === created.body.id);
    assert.equal(after.revoked_at, clock.now());
    const again = await api(s.url, 'DELETE', `${KEYS}/${created.body.id}`, token);
    assert.equal(again.status, 404);
  });

  it('honours expires_at', async () => {
    const expires = new Date((clock.now() + 3600) * 1000).toISOString();
    const created = await api(s.url, 'POST', KEYS, await admin(), { name: 'short', expires_at: expires });
    assert.equal(created.status, 201, json(created.body));
    assert.equal(created.body.expires_at, clock.now() + 3600);
    assert.equal((await introspect(s, created.body.key)).active, true);
    clock.advance(3601);
    assert.deepEqual(await introspect(s, created.body.key), { active: false });
  });

  it('defaults the name, and a key of one server is not active on another', async () => {
    const created = await api(s.url, 'POST', KEYS, await admin(), {});
    assert.equal(created.status, 201, json(created.body));
    assert.equal(created.body.name, 'default');
    const res = await fetch(`${s.url}/default/admin/oauth2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${ADMIN.clientId}:${ADMIN.secret}`).toString('base64')}` },
      body: new URLSearchParams({ token: created.body.key }),
    });
    assert.deepEqual(await res.json(), { active: false });
  });

  it('names the field of invalid input', async () => {
    const token = await admin();
    const cases: [unknown, RegExp][] = [
      [{ name: 'x'.repeat(101) }, /body parameter "name"/],
      [{ name: '' }, /body parameter "name"/],
      [{ expires_at: 'tomorrow' }, /body parameter "expires_at"/],
      [{ expires_at: new Date((clock.now() - 60) * 1000).toISOString() }, /"expires_at" must be in the future/],
      [{ key: 'pxk_chosen-by-the-caller' }, /body parameter "key" is not a known field/],
    ];
    for (const [body, message] of cases) {
      const res = await api(s.url, 'POST', KEYS, token, body);
      assert.equal(res.status, 400, json(body));
      assert.equal(res.body.error, 'validation_failed');
      assert.match(res.body.message, message);
    }
    const missing = await api(s.url, 'POST', '/api/admin/default/servers/default/clients/no-such-app/api-keys', token, {});
    assert.equal(missing.status, 404);
  });

  it("answers 403 to another tenant's admin token and keeps each tenant's keys apart", async () => {
    const acme = await clientToken(s.url, 'acme', ACME_ADMIN);
    const id = (await api(s.url, 'POST', KEYS, await admin(), { name: 'mine' })).body.id as string;
    for (const [method, path, body] of [['GET', KEYS], ['POST', KEYS, { name: 'intruder' }], ['DELETE', `${KEYS}/${id}`]] as const) {
      const res = await api(s.url, method, path, acme, body);
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.doesNotMatch(json(res.body), /pxk_|mine/);
    }
    // Under its own tenant, acme has no such client, and the id of default's key is unknown there.
    const own = await api(s.url, 'DELETE', `/api/admin/acme/servers/default/clients/${PUBLIC_CLIENT}/api-keys/${id}`, acme);
    assert.equal(own.status, 404);
    const acmeKey = await api(s.url, 'POST', '/api/admin/acme/servers/default/clients/acme-app/api-keys', acme, { name: 'acme' });
    assert.equal(acmeKey.status, 201);
    assert.equal((await introspect(s, acmeKey.body.key)).active, false, 'an acme key is not active on default/default');
    const stillLive = (await api(s.url, 'GET', KEYS, await admin())).body.items.find((k: { id: string }) => k.id === id);
    assert.equal(stillLive.revoked_at, null);
  });

  it('writes creation and revocation to the audit log, never the key', async () => {
    const token = await admin();
    const created = await api(s.url, 'POST', KEYS, token, { name: 'audited' });
    await api(s.url, 'DELETE', `${KEYS}/${created.body.id}`, token);
    const log = await api(s.url, 'GET', '/api/admin/default/audit-log?limit=200', token);
    assert.equal(log.status, 200);
    const mine = log.body.items.filter((e: { target: string }) => e.target.endsWith(created.body.id));
    assert.deepEqual(mine.map((e: { action: string }) => e.action).sort(), ['api_key.create', 'api_key.revoke']);
    assert.equal(mine[0].actor.client_id, ADMIN.clientId);
    assert.ok(!json(log.body).includes(created.body.key), 'the audit log never holds a key');
  });

  it('limits a client to 10 live keys, as the portal does', async () => {
    const token = await admin();
    const list = async () => (await api(s.url, 'GET', KEYS, token)).body.items as { id: string; revoked_at: number | null; expires_at: number | null }[];
    const live = (await list()).filter((k) => k.revoked_at === null && (k.expires_at === null || k.expires_at > clock.now()));
    for (let i = live.length; i < 10; i++) assert.equal((await api(s.url, 'POST', KEYS, token, { name: `k${i}` })).status, 201);
    const over = await api(s.url, 'POST', KEYS, token, { name: 'one too many' });
    assert.equal(over.status, 400);
    assert.match(over.body.message, /at most 10 active API keys/);
  });

  it('is described in the OpenAPI document without the key in listings', async () => {
    const doc = await (await fetch(`${s.url}/api/openapi.json`)).json() as any;
    const item = doc.paths['/api/admin/{tenant}/servers/{server}/clients/{client}/api-keys'];
    assert.ok(item.get && item.post, 'list and create');
    assert.ok(doc.paths['/api/admin/{tenant}/servers/{server}/clients/{client}/api-keys/{key}'].delete, 'revoke');
    assert.ok(item.post.responses['201'].content['application/json'].schema.properties.key);
    assert.ok(!item.get.responses['200'].content['application/json'].schema.properties.items.items.properties.key);
  });
});
