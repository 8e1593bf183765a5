/**
 * The official MCP TypeScript SDK's client-side OAuth (`auth()` with an OAuthClientProvider),
 * unmodified, registers itself with Pixie through dynamic client registration (RFC 7591) and
 * gets a token. A small stand-in resource serves RFC 9728 metadata naming Pixie.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { FIXTURE, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

const CALLBACK = 'http://127.0.0.1:9/mcp-callback';

class MemoryProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | null = null;
  get redirectUrl(): string { return CALLBACK; }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'MCP test client', redirect_uris: [CALLBACK], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none', scope: 'openid offline_access',
    };
  }
  clientInformation() { return this.client; }
  saveClientInformation(info: OAuthClientInformationMixed) { this.client = info; }
  tokens() { return this.saved; }
  saveTokens(tokens: OAuthTokens) { this.saved = tokens; }
  redirectToAuthorization(url: URL) { this.authorizationUrl = url; }
  saveCodeVerifier(v: string) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
}

describe('MCP SDK client: dynamic client registration with Pixie', () => {
  let s: TestServer;
  let resource: Server;
  let mcpUrl: string;

  before(async () => {
    resource = createServer((req, res) => {
      if (req.url === '/.well-known/oauth-protected-resource/mcp' || req.url === '/.well-known/oauth-protected-resource') {
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ resource: mcpUrl, authorization_servers: [s.issuer], scopes_supported: ['openid', 'offline_access'] }));
      }
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => resource.listen(0, '127.0.0.1', resolve));
    mcpUrl = `http://127.0.0.1:${(resource.address() as AddressInfo).port}/mcp`;
    // The SDK asks for a token for the MCP server (RFC 8707 `resource`), so Pixie must list it.
    const server = { id: 'default', registration: 'open' as const, resources: [{ uri: mcpUrl }] };
    s = await startTestServer({ imports: [FIXTURE, { tenants: [{ id: 'default', servers: [server] }] }] });
  });
  after(async () => {
    await s.close();
    await new Promise((resolve) => resource.close(resolve));
  });

  it('auth() registers, sends the user to Pixie, and exchanges the code', async () => {
    const provider = new MemoryProvider();
    assert.equal(await auth(provider, { serverUrl: mcpUrl }), 'REDIRECT');
    assert.ok(provider.client?.client_id, 'registered through DCR');
    const registered = await s.deps.stores.clients.find('default', 'default', provider.client.client_id);
    assert.equal(registered?.dynamic, true);
    const url = provider.authorizationUrl!;
    assert.equal(url.origin + url.pathname, `${s.issuer}/oauth2/authorize`);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');

    const back = await new UserAgent(s.url).authorize(url.toString(), USER);
    const code = back.searchParams.get('code');
    assert.ok(code, String(back));
    assert.equal(await auth(provider, { serverUrl: mcpUrl, authorizationCode: code }), 'AUTHORIZED');
    assert.ok(provider.saved?.access_token);
    assert.ok(provider.saved?.refresh_token);
    assert.equal(decodeJwt(provider.saved.access_token).aud, mcpUrl, 'the token is for the MCP server (RFC 8707)');
  });
});
