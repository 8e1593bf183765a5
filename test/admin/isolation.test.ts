/** Tenant isolation of the admin API (SPEC §8): tokens, listings and ids never cross tenants. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import type { TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';
import { ACME_ADMIN, ADMIN, api, clientToken, startAdminServer, SYSTEM_SECRET } from './helpers.js';

let s: TestServer;
let defaultToken: string;
let acmeToken: string;
let systemToken: string;
before(async () => {
  s = await startAdminServer();
  defaultToken = await clientToken(s.url, 'default', ADMIN);
  acmeToken = await clientToken(s.url, 'acme', ACME_ADMIN);
  systemToken = await clientToken(s.url, 'system', { clientId: 'system-admin', secret: SYSTEM_SECRET });
});
after(async () => { await s.close(); });

const json = (v: unknown) => JSON.stringify(v);

describe('admin API authentication', () => {
  it('answers 401 with a Bearer challenge without a token, and with invalid_token for a wrong one', async () => {
    const none = await api(s.url, 'GET', '/api/admin/default/clients', null);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate')!, /^Bearer realm=/);
    const wrong = await api(s.url, 'GET', '/api/admin/default/clients', 'pxat_not-a-real-token');
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate')!, /error="invalid_token"/);
  });

  it('rejects with 401 a valid token of a non-admin server of the same tenant', async () => {
    const token = await clientToken(s.url, 'default', { clientId: CONFIDENTIAL_CLIENT, secret: CONFIDENTIAL_SECRET }, 'default', 'read_inbox');
    const res = await api(s.url, 'GET', '/api/admin/default/clients', token);
    assert.equal(res.status, 401);
  });

  it('rejects with 403 an admin-server token without manage_configuration', async () => {
    const created = await api(s.url, 'POST', '/api/admin/default/clients', defaultToken, {
      authorization_server_id: 'admin', client_id: 'weak-admin', grant_types: ['client_credentials'], scopes: ['read_inbox'],
    });
    assert.equal(created.status, 201, json(created.body));
    const weak = await clientToken(s.url, 'default', { clientId: 'weak-admin', secret: created.body.client_secret }, 'admin', 'read_inbox');
    const res = await api(s.url, 'GET', '/api/admin/default/clients', weak);
    assert.equal(res.status, 403);
    assert.match(res.headers.get('www-authenticate')!, /insufficient_scope/);
  });

  it("answers 403 to a token of another tenant's admin server, for every kind of resource", async () => {
    for (const path of ['/clients', '/users', '/grants', '/tokens', '/servers', '/audit-log', '/servers/default/clients/acme-app', '/servers/default/keys']) {
      const res = await api(s.url, 'GET', `/api/admin/acme${path}`, defaultToken);
      assert.equal(res.status, 403, path);
      assert.doesNotMatch(json(res.body), /acme-app|wile/);
    }
    const write = await api(s.url, 'POST', '/api/admin/default/users', acmeToken, { username: 'intruder', password: 'long-enough-1' });
    assert.equal(write.status, 403);
    const del = await api(s.url, 'DELETE', '/api/admin/default/servers/default/clients/app-public', acmeToken);
    assert.equal(del.status, 403);
  });

  it('lets only system admins manage tenants', async () => {
    assert.equal((await api(s.url, 'GET', '/api/system/tenants', defaultToken)).status, 403);
    assert.equal((await api(s.url, 'POST', '/api/system/tenants', acmeToken, { id: 'evil' })).status, 403);
    const list = await api(s.url, 'GET', '/api/system/tenants', systemToken);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items.map((t: { id: string }) => t.id), ['acme', 'default', 'system']);
    // The system admin reaches every tenant.
    assert.equal((await api(s.url, 'GET', '/api/admin/acme/users', systemToken)).status, 200);
  });
});

describe('admin API listings stay inside their tenant', () => {
  it('shows each tenant only its own clients, users, grants and tokens', async () => {
    // A grant in default: alice consents to app-public. Tokens exist in both tenants (admin tokens).
    const { challenge } = pkce();
    await new UserAgent(s.url).authorize(`${s.issuer}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256',
    })}`, USER);
    const d = await Promise.all(['/clients', '/users', '/tokens', '/grants'].map((p) => api(s.url, 'GET', `/api/admin/default${p}`, defaultToken)));
    const a = await Promise.all(['/clients', '/users', '/tokens', '/grants'].map((p) => api(s.url, 'GET', `/api/admin/acme${p}`, acmeToken)));
    for (const r of [...d, ...a]) assert.equal(r.status, 200);
    assert.match(json(d[0]!.body), /app-public/);
    assert.doesNotMatch(json(d[0]!.body), /acme-app|acme-admin/);
    assert.match(json(a[0]!.body), /acme-app/);
    assert.doesNotMatch(json(a[0]!.body), /app-public|admin-swagger/);
    assert.match(json(d[1]!.body), new RegExp(USER.username));
    assert.doesNotMatch(json(d[1]!.body), /wile/);
    assert.deepEqual(a[1]!.body.items.map((u: { username: string }) => u.username), ['wile']);
    assert.ok(d[2]!.body.items.length > 0 && d[2]!.body.items.every((t: { client_id: string }) => t.client_id !== ACME_ADMIN.clientId));
    assert.ok(a[2]!.body.items.length > 0 && a[2]!.body.items.every((t: { client_id: string }) => t.client_id === ACME_ADMIN.clientId));
    const grant = d[3]!.body.items.find((g: { client_id: string }) => g.client_id === PUBLIC_CLIENT);
    assert.ok(grant, json(d[3]!.body));
    assert.deepEqual(a[3]!.body.items, []);
    assert.equal((await api(s.url, 'DELETE', `/api/admin/acme/grants/${grant.id}`, acmeToken)).status, 404);
    assert.equal((await api(s.url, 'DELETE', `/api/admin/default/grants/${grant.id}`, defaultToken)).status, 204);
    const after = await api(s.url, 'GET', '/api/admin/default/grants', defaultToken);
    assert.ok(after.body.items.find((g: { id: string }) => g.id === grant.id).revoked_at > 0);
  });

  it("cannot revoke another tenant's token by id, and revoking its own ends the token", async () => {
    const victim = await clientToken(s.url, 'default', ADMIN);
    // A JWT access token is recorded under its jti (src/core/tokens/issue.ts jwtRecordKey).
    const id = `jti_${JSON.parse(Buffer.from(victim.split('.')[1]!, 'base64url').toString()).jti}`;
    const tokens = await api(s.url, 'GET', '/api/admin/default/tokens?limit=200', victim);
    assert.ok(tokens.body.items.some((t: { id: string; active: boolean }) => t.id === id && t.active));
    assert.equal((await api(s.url, 'DELETE', `/api/admin/acme/tokens/${encodeURIComponent(id)}`, acmeToken)).status, 404);
    assert.equal((await api(s.url, 'GET', '/api/admin/default/clients', victim)).status, 200);
    assert.equal((await api(s.url, 'DELETE', `/api/admin/default/tokens/${encodeURIComponent(id)}`, defaultToken)).status, 204);
    assert.equal((await api(s.url, 'GET', '/api/admin/default/clients', victim)).status, 401);
  });

  it('keeps same-named clients apart: deleting one in default leaves the one in acme', async () => {
    const body = { authorization_server_id: 'default', client_id: 'same-id', public: true, redirect_uris: ['http://127.0.0.1/cb'] };
    assert.equal((await api(s.url, 'POST', '/api/admin/default/clients', defaultToken, body)).status, 201);
    assert.equal((await api(s.url, 'POST', '/api/admin/acme/clients', acmeToken, body)).status, 201);
    assert.equal((await api(s.url, 'DELETE', '/api/admin/default/servers/default/clients/same-id', defaultToken)).status, 204);
    assert.equal((await api(s.url, 'GET', '/api/admin/default/servers/default/clients/same-id', defaultToken)).status, 404);
    assert.equal((await api(s.url, 'GET', '/api/admin/acme/servers/default/clients/same-id', acmeToken)).status, 200);
  });

  it('works with opaque admin tokens too, with the same tenant check', async () => {
    const patched = await api(s.url, 'PATCH', '/api/admin/acme/servers/admin', acmeToken, { accessTokenFormat: 'opaque' });
    assert.equal(patched.status, 200);
    const opaque = await clientToken(s.url, 'acme', ACME_ADMIN);
    assert.match(opaque, /^pxat_/);
    assert.equal((await api(s.url, 'GET', '/api/admin/acme/clients', opaque)).status, 200);
    assert.equal((await api(s.url, 'GET', '/api/admin/default/clients', opaque)).status, 403);
  });
});

describe('tenants, secrets, users and keys through the API', () => {
  it('creates a tenant, gives it an admin client, and deletes it with everything in it', async () => {
    assert.equal((await api(s.url, 'POST', '/api/system/tenants', systemToken, { id: 'globex', name: 'Globex' })).status, 201);
    const admin = await api(s.url, 'POST', '/api/admin/globex/clients', systemToken, {
      authorization_server_id: 'admin', client_id: 'globex-admin', grant_types: ['client_credentials'], scopes: ['manage_configuration'],
    });
    assert.equal(admin.status, 201);
    assert.match(admin.body.client_secret, /^pxs_/);
    const token = await clientToken(s.url, 'globex', { clientId: 'globex-admin', secret: admin.body.client_secret });
    assert.equal((await api(s.url, 'GET', '/api/admin/globex/clients', token)).status, 200);
    assert.equal((await api(s.url, 'GET', '/api/admin/acme/clients', token)).status, 403);
    assert.equal((await api(s.url, 'DELETE', '/api/system/tenants/globex', systemToken)).status, 204);
    assert.equal((await api(s.url, 'GET', '/api/admin/globex/clients', token)).status, 401);
    assert.equal((await api(s.url, 'GET', '/api/admin/globex/clients', systemToken)).status, 404);
    assert.equal((await api(s.url, 'DELETE', '/api/system/tenants/default', systemToken)).status, 403);
  });

  it('shows a new secret once, lists it by prefix, and a revoked secret stops working', async () => {
    const path = '/api/admin/default/servers/default/clients/app-confidential/secrets';
    const created = await api(s.url, 'POST', path, defaultToken, { name: 'ci' });
    assert.equal(created.status, 201);
    const secret: string = created.body.secret;
    assert.match(secret, /^pxs_/);
    const listed = await api(s.url, 'GET', path, defaultToken);
    assert.ok(!json(listed.body).includes(secret));
    assert.ok(listed.body.items.some((x: { display_prefix: string }) => secret.startsWith(x.display_prefix)));
    const client = { clientId: CONFIDENTIAL_CLIENT, secret };
    await clientToken(s.url, 'default', client, 'default', 'read_inbox');
    assert.equal((await api(s.url, 'DELETE', `${path}/${created.body.id}`, defaultToken)).status, 204);
    await assert.rejects(clientToken(s.url, 'default', client, 'default', 'read_inbox'), /401/);
    const log = await api(s.url, 'GET', '/api/admin/default/audit-log?limit=200', defaultToken);
    assert.ok(log.body.items.some((e: { action: string }) => e.action === 'secret.revoke'));
    assert.ok(!json(log.body).includes(secret), 'the audit log never holds a secret');
  });

  it('creates, disables and resets the password of a user', async () => {
    const created = await api(s.url, 'POST', '/api/admin/acme/users', acmeToken, { username: 'roadrunner', password: 'meep-meep-123' });
    assert.equal(created.status, 201);
    assert.equal(created.body.passwordHash, undefined);
    const disabled = await api(s.url, 'PATCH', '/api/admin/acme/users/roadrunner', acmeToken, { disabled: true });
    assert.equal(disabled.body.disabled, true);
    const reset = await api(s.url, 'POST', `/api/admin/acme/users/${created.body.id}/password`, acmeToken, {});
    assert.equal(reset.status, 200);
    assert.ok(reset.body.password.length >= 20);
  });

  it('rotates signing keys and keeps the old key published for tokens it signed', async () => {
    const before = await clientToken(s.url, 'default', ADMIN);
    const rotated = await api(s.url, 'POST', '/api/admin/default/servers/admin/keys/rotate', before);
    assert.equal(rotated.status, 200);
    const statuses = rotated.body.keys.map((k: { status: string }) => k.status);
    assert.ok(statuses.includes('active') && statuses.includes('retired'), json(rotated.body));
    const jwks = await (await fetch(`${s.url}/default/admin/.well-known/jwks.json`)).json() as { keys: { kid: string }[] };
    assert.ok(jwks.keys.some((k) => k.kid === rotated.body.kid));
    assert.ok(jwks.keys.length >= 2);
    assert.equal((await api(s.url, 'GET', '/api/admin/default/clients', before)).status, 200, 'a token of the old key stays valid');
    const after = await clientToken(s.url, 'default', ADMIN);
    const kid = JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid;
    assert.equal(kid, rotated.body.kid);
  });
});
