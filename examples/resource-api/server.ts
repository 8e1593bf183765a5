/** `npm run example:api`: the example resource API on http://127.0.0.1:8081. */
import { buildResourceApi } from './app.js';

const issuer = process.env.PIXIE_ISSUER ?? 'http://127.0.0.1:8080/default/default';
const clientId = process.env.RESOURCE_API_CLIENT_ID;
const clientSecret = process.env.RESOURCE_API_CLIENT_SECRET;
if (!clientId || !clientSecret) {
  process.stderr.write('Set RESOURCE_API_CLIENT_ID and RESOURCE_API_CLIENT_SECRET (a confidential client of the issuer, used for introspection).\n');
  process.exit(2);
}
// RESOURCE_API_RESOURCE (e.g. http://127.0.0.1:8081/): accept only tokens issued for this resource (RFC 8707).
const resource = process.env.RESOURCE_API_RESOURCE;
const app = buildResourceApi({ verifier: { issuer, introspection: { clientId, clientSecret } }, ...(resource ? { resource } : {}) });
const port = Number(process.env.PORT ?? 8081);
await app.listen({ port, host: process.env.HOST ?? '127.0.0.1' });
process.stderr.write(`Example API on http://127.0.0.1:${port}/2.3/questions (tokens from ${issuer})\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
