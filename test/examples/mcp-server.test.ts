/**
 * The example MCP server (examples/mcp-server) with the official MCP TypeScript SDK's own client,
 * unmodified: from the 401, its `auth()` discovers the protected-resource metadata (RFC 9728),
 * then Pixie's metadata, registers (or uses a pre-registered client), authorizes with PKCE and
 * `resource` (RFC 8707), exchanges the code, and the tool call goes through. The browser step
 * is a user agent that signs in on Pixie's pages and consents. A client can also name itself by
 * an https client ID metadata document URL: Pixie's document fetcher is replaced by one that
 * serves the test's documents (Pixie's own checks of the document stay). On SQLite, and on
 * PostgreSQL when PIXIE_TEST_DATABASE_URL is set.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { auth, UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { buildMcpApp, type WhoAmI } from '../../examples/mcp-server/app.js';
import { ImportServer, type ImportFileData } from '../../src/import/schema.js';
import { CONFIDENTIAL_CLIENT, FIXTURE, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { basic, tokenRequest } from '../helpers/flow.js';
import { createTestSchema, describeUnless, PG_SKIP, type TestSchema } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

const OTHER_RESOURCE = 'https://other-api.example.com/';
/** Client ID metadata documents, https as the SDK requires; served by the test's fetcher. */
const DOCUMENT_CLIENT = 'https://mcp-client.example/oauth/client.json';
const MISMATCHED_CLIENT = 'https://mcp-client.example/oauth/mismatched.json';

/** Stands in for Pixie's network fetcher: these documents at these URLs, nothing else. */
class DocumentHost {
  readonly fetched: string[] = [];
  private readonly documents = new Map<string, unknown>([
    [DOCUMENT_CLIENT, {
      client_id: DOCUMENT_CLIENT, client_name: 'MCP document client', redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none',
    }],
    // Its client_id names another document than the one it is served at.
    [MISMATCHED_CLIENT, {
      client_id: DOCUMENT_CLIENT, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'], response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }],
  ]);

  fetchJson(url: string): Promise<unknown> {
    this.fetched.push(url);
    if (!this.documents.has(url)) return Promise.reject(new Error('answered 404'));
    return Promise.resolve(structuredClone(this.documents.get(url)));
  }
}

function pixieImport(mcpResource: string): ImportFileData {
  const file = structuredClone(FIXTURE);
  const server = file.tenants[0]!.servers![0]!;
  server.resources = [{ uri: mcpResource, scopes: ['read_inbox'] }, { uri: OTHER_RESOURCE }];
  // Open dynamic client registration where this build has it (the import file then knows the field).
  if ('registration' in ImportServer.properties) Object.assign(server, { registration: 'open' });
  server.clientIdMetadataDocuments = true;
  return file;
}

/**
 * An OAuthClientProvider kept in memory. Its "browser" follows the authorization URL with a
 * user agent that signs in and consents on Pixie's pages, and keeps the code it is sent back.
 */
class TestProvider implements OAuthClientProvider {
  private info: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = '';
  /** What the last redirect to the client carried. */
  callback: URL | null = null;
  authorizationUrls: URL[] = [];

  constructor(
    private readonly pixieUrl: string, preRegistered: OAuthClientInformationMixed | undefined,
    /** An https URL naming the client's metadata document, used where discovery supports it. */
    readonly clientMetadataUrl?: string,
  ) {
    this.info = preRegistered;
  }

  get redirectUrl(): string { return REDIRECT_URI; }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'MCP test client', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() { return this.info; }
  saveClientInformation(info: OAuthClientInformationMixed) { this.info = info; }
  tokens() { return this.saved; }
  saveTokens(tokens: OAuthTokens) { this.saved = tokens; }
  saveCodeVerifier(v: string) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
  async redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
    this.callback = await new UserAgent(this.pixieUrl).authorize(url.toString(), USER);
  }
  /** The code of the last redirect back, after checking where it went. */
  code(): string {
    assert.ok(this.callback, 'the user agent was never sent to Pixie');
    assert.equal(`${this.callback.origin}${this.callback.pathname}`, REDIRECT_URI);
    const code = this.callback.searchParams.get('code');
    assert.ok(code, `no code in ${this.callback}`);
    return code;
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** The whoami tool through the SDK client, on a fresh connection with the provider's tokens. */
async function whoami(mcpUrl: string, provider: TestProvider): Promise<WhoAmI> {
  const client = new Client({ name: 'pixie-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  try {
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    return result.structuredContent as unknown as WhoAmI;
  } finally {
    await client.close();
  }
}

/** Connect once: the 401 starts the SDK's OAuth flow, which ends with a redirect to the user agent. */
async function connectAndAuthorize(mcpUrl: string, provider: TestProvider): Promise<void> {
  const client = new Client({ name: 'pixie-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  await assert.rejects(client.connect(transport), UnauthorizedError);
  await transport.finishAuth(provider.code());
  await client.close();
}

function mcpSuite(backend: 'sqlite' | 'postgres'): void {
  let pixie: TestServer;
  let http: Server;
  let mcpUrl: string;
  let schema: TestSchema | null = null;
  let metadata: Record<string, unknown>;
  const documents = new DocumentHost();

  before(async () => {
    // The MCP server's URL is its resource: Pixie lists it, so the server listens first.
    http = createServer();
    mcpUrl = `http://127.0.0.1:${await listen(http)}/mcp`;
    schema = backend === 'postgres' ? await createTestSchema() : null;
    pixie = await startTestServer({ imports: [pixieImport(mcpUrl)], config: schema ? { databaseUrl: schema.url } : {}, clientDocuments: documents });
    http.on('request', buildMcpApp({ issuer: pixie.issuer, resource: mcpUrl, scopes: ['read_inbox'] }));
    metadata = await (await fetch(`${pixie.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
  });
  after(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
    await pixie.close();
    await schema?.drop();
  });

  it('answers 401 with the metadata URL, and serves the protected-resource metadata', async () => {
    const res = await fetch(mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    const prmUrl = new URL(mcpUrl);
    prmUrl.pathname = '/.well-known/oauth-protected-resource/mcp';
    assert.match(challenge, new RegExp(`^Bearer .*resource_metadata="${prmUrl.href.replace(/[.?]/g, '\\$&')}"`));
    assert.match(challenge, /scope="read_inbox"/);
    const prm = await (await fetch(prmUrl)).json();
    assert.deepEqual(prm, {
      resource: mcpUrl, authorization_servers: [pixie.issuer], scopes_supported: ['read_inbox'],
      bearer_methods_supported: ['header'], resource_name: 'Pixie example MCP server',
    });
  });

  it('the SDK client gets a token (PKCE + resource), calls whoami, and refreshes', async () => {
    // Registration: the server's registration_endpoint when discovery advertises one; else the
    // client registered in the import file.
    const provider = new TestProvider(pixie.url, metadata.registration_endpoint ? undefined : { client_id: PUBLIC_CLIENT });
    await connectAndAuthorize(mcpUrl, provider);
    const sent = provider.authorizationUrls[0]!;
    assert.equal(sent.searchParams.get('resource'), mcpUrl);
    assert.equal(sent.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(sent.searchParams.get('scope'), 'read_inbox');
    const first = provider.tokens()!;
    assert.equal(decodeJwt(first.access_token).aud, mcpUrl);
    assert.ok(first.refresh_token, 'a refresh token');

    const me = await whoami(mcpUrl, provider);
    assert.equal(me.client_id, provider.clientInformation()!.client_id);
    assert.ok(me.sub.length > 0);
    assert.deepEqual(me.scopes, ['read_inbox']);

    // The SDK's own refresh (it sends `resource` again): a new token for the same resource.
    assert.equal(await auth(provider, { serverUrl: mcpUrl }), 'AUTHORIZED');
    const second = provider.tokens()!;
    assert.notEqual(second.access_token, first.access_token);
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.equal(decodeJwt(second.access_token).aud, mcpUrl);
    assert.deepEqual(await whoami(mcpUrl, provider), me);
  });

  it('refuses a token issued for another resource, and one for the whole server', async () => {
    const tokenFor = async (resource?: string) => {
      const res = await tokenRequest(pixie, { grant_type: 'client_credentials', scope: 'read_inbox', ...(resource ? { resource } : {}) }, { authorization: basic(CONFIDENTIAL_CLIENT) });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      return body.access_token as string;
    };
    for (const token of [await tokenFor(OTHER_RESOURCE), await tokenFor()]) {
      const res = await fetch(mcpUrl, {
        method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
      });
      assert.equal(res.status, 401);
      const challenge = res.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /error="invalid_token"/);
      assert.match(challenge, /not meant for this resource/);
      assert.match(challenge, /resource_metadata="/);
    }
    // The same client's token for this resource is accepted.
    const ok = await fetch(mcpUrl, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await tokenFor(mcpUrl)}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    assert.equal(ok.status, 200);
  });

  it('the SDK client registers itself through dynamic client registration', async (t) => {
    if (!metadata.registration_endpoint) {
      t.skip('Pixie\'s discovery advertises no registration_endpoint (dynamic client registration) yet');
      return;
    }
    const provider = new TestProvider(pixie.url, undefined);
    await connectAndAuthorize(mcpUrl, provider);
    const me = await whoami(mcpUrl, provider);
    assert.notEqual(me.client_id, PUBLIC_CLIENT);
    assert.equal(me.client_id, provider.clientInformation()!.client_id);
  });

  it('the SDK client uses a client ID metadata document', async () => {
    assert.equal(metadata.client_id_metadata_document_supported, true);
    const provider = new TestProvider(pixie.url, undefined, DOCUMENT_CLIENT);
    documents.fetched.length = 0;
    await connectAndAuthorize(mcpUrl, provider);
    // No registration: the URL is the client_id, and Pixie fetched its document.
    assert.equal(provider.clientInformation()!.client_id, DOCUMENT_CLIENT);
    assert.ok(documents.fetched.includes(DOCUMENT_CLIENT), 'Pixie never fetched the document');
    const sent = provider.authorizationUrls[0]!;
    assert.equal(sent.searchParams.get('client_id'), DOCUMENT_CLIENT);
    assert.equal(sent.searchParams.get('resource'), mcpUrl);
    assert.equal(sent.searchParams.get('code_challenge_method'), 'S256');
    const token = decodeJwt(provider.tokens()!.access_token);
    assert.equal(token.aud, mcpUrl);
    assert.equal(token.client_id, DOCUMENT_CLIENT);
    const me = await whoami(mcpUrl, provider);
    assert.equal(me.client_id, DOCUMENT_CLIENT);
    assert.deepEqual(me.scopes, ['read_inbox']);
  });

  it('refuses a client ID metadata document whose client_id is not its URL', async () => {
    const provider = new TestProvider(pixie.url, undefined, MISMATCHED_CLIENT);
    // Where the SDK sends the browser: Pixie answers with an error page, not a redirect to the client.
    provider.redirectToAuthorization = (url: URL) => { provider.authorizationUrls.push(url); return Promise.resolve(); };
    const client = new Client({ name: 'pixie-test', version: '1.0.0' });
    await assert.rejects(client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider })), UnauthorizedError);
    await client.close();
    const sent = provider.authorizationUrls[0]!;
    assert.equal(sent.searchParams.get('client_id'), MISMATCHED_CLIENT);
    const res = await fetch(sent, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /client_id is not the URL it was fetched from/);
    // Nor does the token endpoint know such a client.
    const token = await tokenRequest(pixie, {
      grant_type: 'authorization_code', client_id: MISMATCHED_CLIENT, code: 'none', redirect_uri: REDIRECT_URI, code_verifier: 'x'.repeat(43),
    });
    assert.equal(token.status, 401);
    const body = await token.json() as { error: string; error_description: string };
    assert.equal(body.error, 'invalid_client');
    assert.match(body.error_description, /client_id is not the URL it was fetched from/);
  });
}

describe('example MCP server with the MCP SDK client (SQLite)', () => mcpSuite('sqlite'));
describeUnless(PG_SKIP, 'example MCP server with the MCP SDK client (PostgreSQL)', () => mcpSuite('postgres'));

