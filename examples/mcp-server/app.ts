/**
 * A small MCP server (Streamable HTTP, stateless) protected by `@pixie-auth/verify`:
 * - it publishes its protected-resource metadata (RFC 9728) at
 *   `/.well-known/oauth-protected-resource/mcp`, naming the authorization server;
 * - `/mcp` needs an access token issued for this server (`aud` = its resource URI, RFC 8707);
 *   without one it answers 401 with `WWW-Authenticate: Bearer resource_metadata="…"`, which is
 *   where an MCP client starts its OAuth flow;
 * - one tool, `whoami`, answers the caller's identity: subject, client and scopes.
 */
import express, { type Express, type Request, type Response } from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { createVerifier, expressAuth, protectedResource, type VerifiedCredential, type VerifierOptions } from '@pixie-auth/verify';

export interface McpServerOptions {
  /** The issuer of the authorization server, e.g. `http://127.0.0.1:8080/default/default`. */
  issuer: string;
  /** This server's resource URI: its public URL of `/mcp`, e.g. `https://mcp.example.com/mcp`. */
  resource: string;
  /** Scopes a caller needs (default none besides a token for this resource). */
  scopes?: string[];
  /** More verifier options (introspection credentials for opaque tokens, a test clock…). */
  verifier?: Partial<VerifierOptions>;
}

/** The whoami tool's answer. */
export interface WhoAmI {
  sub: string;
  client_id: string;
  scopes: string[];
}

function mcpServer(): McpServer {
  const server = new McpServer({ name: 'pixie-example-mcp', version: '1.0.0' });
  server.registerTool('whoami', {
    title: 'Who am I',
    description: 'The identity the access token carries: subject, client and scopes.',
  }, async (extra) => {
    const auth = extra.authInfo;
    const who: WhoAmI = { sub: String(auth?.extra?.sub ?? ''), client_id: auth?.clientId ?? '', scopes: auth?.scopes ?? [] };
    return { content: [{ type: 'text', text: JSON.stringify(who) }], structuredContent: { ...who } };
  });
  return server;
}

/** What the SDK hands to tools as `extra.authInfo`, from what the verifier found. */
function authInfo(token: string, who: VerifiedCredential, resource: string): AuthInfo {
  return {
    token, clientId: who.clientId, scopes: who.scopes, ...(who.expiresAt !== null ? { expiresAt: who.expiresAt } : {}),
    resource: new URL(resource), extra: { sub: who.subject },
  };
}

export function buildMcpApp(opts: McpServerOptions): Express {
  const prm = protectedResource({ resource: opts.resource, authorizationServers: [opts.issuer], scopes: opts.scopes, resourceName: 'Pixie example MCP server' });
  const verifier = createVerifier({ ...opts.verifier, issuer: opts.issuer, resource: opts.resource });
  const app = express();
  app.use(prm.express());
  app.use(express.json({ limit: '1mb' }));
  const auth = expressAuth(verifier, { scopes: opts.scopes ?? [] });

  app.post('/mcp', auth, async (req: Request, res: Response) => {
    const who = (req as Request & { auth: VerifiedCredential }).auth;
    const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    (req as Request & { auth: AuthInfo }).auth = authInfo(token, who, opts.resource);
    // Stateless: a server and a transport per request, nothing kept between requests; answers
    // are plain JSON (no event stream), so that curl can call the tool too.
    const server = mcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => { void transport.close(); void server.close(); });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  // Stateless: no server-initiated stream and no session to end.
  const notAllowed = (_req: Request, res: Response) => {
    res.status(405).set('allow', 'POST').json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
  };
  app.get('/mcp', auth, notAllowed);
  app.delete('/mcp', auth, notAllowed);
  return app;
}
