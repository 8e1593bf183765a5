/** The admin API's OpenAPI 3.1 document (SPEC §8), checked by a real OpenAPI validator. */
import { Validator } from '@seriousme/openapi-schema-validator';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as schemas from '../../src/admin/schemas.js';
import '../../src/import/validate.js'; // registers the date-time format with TypeBox
import { Value } from '../../src/vendor/typebox.js';
import type { TestServer } from '../helpers/server.js';
import { startAdminServer } from './helpers.js';

let s: TestServer;
let doc: any;
before(async () => {
  s = await startAdminServer();
  const res = await fetch(`${s.url}/api/openapi.json`);
  assert.equal(res.status, 200);
  doc = await res.json();
});
after(async () => { await s.close(); });

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('/api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const result = await new Validator().validate(doc);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2)?.slice(0, 2000));
  });

  it('documents the admin API and nothing outside /api', () => {
    const paths = Object.keys(doc.paths);
    assert.ok(paths.includes('/api/admin/{tenant}/clients'));
    assert.ok(paths.includes('/api/system/tenants'));
    assert.ok(paths.every((p) => p.startsWith('/api/')), paths.join(' '));
    assert.ok(!paths.some((p) => p.includes('swagger') || p.includes('openapi')));
  });

  it('describes the seed 004 client body with its fields and rejects unknown ones', () => {
    const body = doc.paths['/api/admin/{tenant}/clients'].post.requestBody.content['application/json'].schema;
    for (const f of ['authorization_server_id', 'client_id', 'client_name', 'grant_types', 'public', 'redirect_uris',
      'token_endpoint_auth_method', 'response_types', 'scopes']) assert.ok(body.properties[f], f);
    assert.deepEqual(body.required, ['authorization_server_id', 'client_id']);
    assert.equal(body.additionalProperties, false);
    assert.ok(doc.paths['/api/admin/{tenant}/clients'].post.responses['201']);
  });

  it('offers the client-credentials flow of the default tenant admin server, and requires it on every operation', () => {
    const flow = doc.components.securitySchemes.adminOAuth.flows.clientCredentials;
    assert.equal(flow.tokenUrl, '/default/admin/oauth2/token');
    assert.ok(flow.scopes.manage_configuration);
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const m of METHODS.filter((x) => item[x])) {
        const op = item[m];
        assert.deepEqual(op.security?.[0], { adminOAuth: ['manage_configuration'] }, `${m} ${path}`);
        assert.ok(op.responses['401'] && op.responses['400'], `${m} ${path} documents its errors`);
      }
    }
  });

  it('also offers the system tenant admin client flow (tenants API)', () => {
    const flow = doc.components.securitySchemes.systemOAuth.flows.clientCredentials;
    assert.equal(flow.tokenUrl, '/system/admin/oauth2/token');
    assert.ok(flow.scopes.manage_configuration);
    assert.deepEqual(doc.paths['/api/system/tenants'].get.security[1], { systemOAuth: ['manage_configuration'] });
  });

  it('gives every JSON request body an example', () => {
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const m of METHODS.filter((x) => item[x]?.requestBody)) {
        // @fastify/swagger moves a schema's `examples` to the media type's `example`.
        const media = item[m].requestBody.content['application/json'];
        assert.ok(media.example !== undefined || media.examples !== undefined, `${m} ${path} has no example`);
      }
    }
  });

  it('has examples that its own schemas accept', () => {
    let checked = 0;
    for (const [name, schema] of Object.entries<any>(schemas)) {
      for (const example of schema?.examples ?? []) {
        assert.ok(Value.Check(schema, example), `${name}: ${JSON.stringify([...Value.Errors(schema, example)].map((e) => `${e.path} ${e.message}`))}`);
        checked++;
      }
    }
    assert.ok(checked >= 8);
  });
});
