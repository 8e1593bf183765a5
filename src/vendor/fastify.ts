/** Fastify and the plugins every server registers (src/vendor/load.ts: one file at run time). */
import type FastifyFactory from 'fastify';
import type CookiePlugin from '@fastify/cookie';
import type FormbodyPlugin from '@fastify/formbody';
import { vendored } from './load.js';

interface FastifyBundle {
  fastify: typeof FastifyFactory;
  cookie: typeof CookiePlugin;
  formbody: typeof FormbodyPlugin;
}

const bundle = await vendored<FastifyBundle>('fastify', async () => ({
  fastify: (await import('fastify')).default,
  cookie: (await import('@fastify/cookie')).default,
  formbody: (await import('@fastify/formbody')).default,
}));

export const { fastify: Fastify, cookie, formbody } = bundle;
