/** `npm run example:mcp`: the example MCP server on http://127.0.0.1:8090/mcp. */
import { buildMcpApp } from './app.js';

const issuer = process.env.PIXIE_ISSUER ?? 'http://127.0.0.1:8080/default/default';
const port = Number(process.env.PORT ?? 8090);
// The URL clients use for /mcp: the resource its tokens must be issued for.
const resource = process.env.MCP_RESOURCE ?? `http://127.0.0.1:${port}/mcp`;
const app = buildMcpApp({ issuer, resource });
const server = app.listen(port, process.env.HOST ?? '127.0.0.1', () => {
  process.stderr.write(`MCP server on ${resource} (tokens from ${issuer}, metadata at /.well-known/oauth-protected-resource/mcp)\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)));
