/**
 * TypeBox's type provider for Fastify: a route declared on `typed(app)` gets `request.body`,
 * `query`, `params` and `headers` typed from its schema (what Ajv checked), and its reply from
 * its response schema. The same thing `@fastify/type-provider-typebox` exports, in the few
 * lines it takes, so that no route reads its input through a cast.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyTypeProvider } from 'fastify';

export interface TypeBoxTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}

export function typed(app: FastifyInstance) {
  return app.withTypeProvider<TypeBoxTypeProvider>();
}
