// The ceiling: a bare Fastify server whose POST route only parses a small form body and answers
// a small JSON. No token endpoint on this machine can be faster than this one.
import formbody from '@fastify/formbody';
import Fastify from 'fastify';

const port = Number(process.argv[2]);
const app = Fastify({ logger: false });
await app.register(formbody);
app.post('/token', async (request) => {
  const body = request.body;
  return { ok: true, grant_type: body.grant_type ?? null, fields: Object.keys(body).length };
});
app.get('/static', async () => ({ ok: true }));
await app.listen({ port, host: '127.0.0.1' });
process.send?.({ type: 'ready' });
