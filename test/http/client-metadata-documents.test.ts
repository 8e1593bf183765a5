/**
 * Client ID metadata documents: a client_id that is a URL is resolved by fetching it (in dev
 * mode from loopback), its client_id must be that URL, its redirect URIs are enforced, and the
 * fetch refuses private addresses, redirects, oversize and slow answers.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createSafeFetcher } from '../../src/fetch/safe-fetch.js';
import type { ImportFileData } from '../../src/import/schema.js';
import { FIXTURE, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const DOCUMENTS_ON: ImportFileData = { tenants: [{ id: 'default', servers: [{ id: 'default', clientIdMetadataDocuments: true }, { id: 'plain' }] }] };
const CALLBACK = 'http://127.0.0.1:9/cb';

describe('client ID metadata documents', () => {
  let docs: Server;
  let base: string;
  let s: TestServer;
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {};

  const doc = (path: string, body: (url: string) => unknown, headers: Record<string, string> = {}) => {
    routes[path] = (_req, res) => {
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body(`${base}${path}`)));
    };
    return `${base}${path}`;
  };

  before(async () => {
    docs = createServer((req, res) => {
      const route = routes[req.url ?? ''];
      if (route) return route(req, res);
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => docs.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(docs.address() as AddressInfo).port}`;
    s = await startTestServer({
      imports: [FIXTURE, DOCUMENTS_ON],
      // Dev mode's fetcher: loopback allowed; short timeouts for the slow-server case.
      clientDocuments: createSafeFetcher({ allowLoopback: true, totalTimeoutMs: 1500, connectTimeoutMs: 1500, maxBytes: 5 * 1024 }),
    });
  });
  after(async () => {
    await s.close();
    docs.closeAllConnections();
    await new Promise((resolve) => docs.close(resolve));
  });

  const authorize = (clientId: string, redirectUri = CALLBACK, server = 'default') => {
    const { verifier, challenge } = pkce();
    const url = `${s.url}/default/${server}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid', state: 'st', code_challenge: challenge, code_challenge_method: 'S256',
    })}`;
    return { url, verifier };
  };

  it('discovery advertises client_id_metadata_document_supported only where it is on', async () => {
    const on = await (await fetch(`${s.issuer}/.well-known/oauth-authorization-server`)).json() as any;
    assert.equal(on.client_id_metadata_document_supported, true);
    const off = await (await fetch(`${s.url}/default/plain/.well-known/oauth-authorization-server`)).json() as any;
    assert.equal(off.client_id_metadata_document_supported, undefined);
  });

  it('happy path: the document is fetched, the consent page names the app as unverified, and the code is exchanged with client_id = URL', async () => {
    const clientId = doc('/good.json', (url) => ({
      client_id: url, client_name: 'Doc App', redirect_uris: [CALLBACK], grant_types: ['authorization_code'], response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }), { 'cache-control': 'max-age=60' });
    const { url, verifier } = authorize(clientId);
    const ua = new UserAgent(s.url);
    let res = await ua.get(url);
    assert.equal(res.status, 302, await res.clone().text());
    const login = await ua.get(res.headers.get('location')!);
    assert.match(await login.clone().text(), /Doc App/);
    res = await ua.post('/login', { ...UserAgent.fields(await login.text()), username: USER.username, password: USER.password });
    const consent = await ua.get(res.headers.get('location')!);
    const html = await consent.text();
    assert.match(html, /<strong>Doc App<\/strong> registered itself; Pixie has not verified it/);
    res = await ua.post('/consent', { ...UserAgent.fields(html), decision: 'allow' });
    const back = new URL(res.headers.get('location')!);
    const code = back.searchParams.get('code');
    assert.ok(code, String(back));
    const token = await fetch(`${s.issuer}/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: CALLBACK, code_verifier: verifier }),
    });
    const body = await token.json() as any;
    assert.equal(token.status, 200, JSON.stringify(body));
    assert.ok(body.access_token);
  });

  it('a redirect URI the document does not list is refused', async () => {
    const clientId = doc('/strict.json', (url) => ({ client_id: url, redirect_uris: [CALLBACK] }));
    const res = await fetch(authorize(clientId, 'http://127.0.0.1:9/other').url, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /redirect_uri is not registered/);
  });

  it('client_id mismatch: a document whose client_id is not its URL is refused', async () => {
    const clientId = doc('/mismatch.json', () => ({ client_id: 'https://someone-else.example/client.json', redirect_uris: [CALLBACK] }));
    const res = await fetch(authorize(clientId).url, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /client_id is not the URL it was fetched from/);
  });

  it('a document describing a confidential client, or with bad redirect URIs, is refused', async () => {
    const secretive = doc('/secret.json', (url) => ({ client_id: url, redirect_uris: [CALLBACK], token_endpoint_auth_method: 'client_secret_basic' }));
    assert.match(await (await fetch(authorize(secretive).url)).text(), /token_endpoint_auth_method must be none/);
    const bad = doc('/bad-redirect.json', (url) => ({ client_id: url, redirect_uris: ['javascript:alert(1)'] }));
    assert.match(await (await fetch(authorize(bad).url)).text(), /forbidden scheme/);
  });

  it('SSRF: a redirect (here to the cloud metadata address) is not followed', async () => {
    routes['/moved.json'] = (_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', 'http://169.254.169.254/latest/meta-data/');
      res.end();
    };
    const res = await fetch(authorize(`${base}/moved.json`).url);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /redirects are not followed/);
  });

  it('SSRF: an oversize document is refused', async () => {
    const clientId = doc('/huge.json', (url) => ({ client_id: url, redirect_uris: [CALLBACK], client_name: 'x', padding: 'y'.repeat(10_000) }));
    const res = await fetch(authorize(clientId).url);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /larger than 5120 bytes/);
  });

  it('SSRF: a server that never answers times out', async () => {
    routes['/slow.json'] = () => { /* never answers */ };
    const res = await fetch(authorize(`${base}/slow.json`).url);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /no complete answer within 1500 ms/);
  });

  it('on a server without the setting, a URL client_id is an unknown client', async () => {
    const clientId = doc('/elsewhere.json', (url) => ({ client_id: url, redirect_uris: [CALLBACK] }));
    const res = await fetch(authorize(clientId, CALLBACK, 'plain').url);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /unknown client/);
  });

  it('SSRF outside dev mode: private and loopback addresses and plain http are refused', async () => {
    const prod = await startTestServer({ imports: [FIXTURE, DOCUMENTS_ON] });
    try {
      const at = (clientId: string) => fetch(`${prod.issuer}/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: CALLBACK })}`);
      assert.match(await (await at('https://10.0.0.1/client.json')).text(), /10\.0\.0\.1 is a private, link-local or reserved address/);
      assert.match(await (await at('https://169.254.169.254/client.json')).text(), /private, link-local or reserved/);
      assert.match(await (await at('https://127.0.0.1/client.json')).text(), /loopback/);
      assert.match(await (await at(`${base}/good.json`)).text(), /must use https/);
    } finally {
      await prod.close();
    }
  });
});
