/**
 * Route schemas compiled at a route's first request instead of at start-up.
 *
 * Fastify compiles every route's validator (Ajv) and serializer (fast-json-stringify) when the
 * server gets ready: with the admin API, the portal and the OAuth routes that was a fifth of
 * Pixie's start-up time (under 1 s to /readyz is the goal). These factories wrap Fastify's own
 * compilers, with the same options, and compile on first use; the compiled function is kept.
 * Every route is exercised by the test suite, so a schema that does not compile still fails there.
 */
import { createRequire } from 'node:module';
import type AjvCompiler from '@fastify/ajv-compiler';
import type SerializerCompiler from '@fastify/fast-json-stringify-compiler';

// Loaded at the first compilation too: Ajv alone is ~90 modules.
const require = createRequire(import.meta.url);

type Validator = ((data: unknown) => unknown) & { errors?: unknown };
type Serializer = (data: unknown) => string;

function lazyValidator(compile: () => Validator): Validator {
  let fn: Validator | undefined;
  const validate: Validator = (data) => {
    fn ??= compile();
    const result = fn(data);
    // Fastify reads the errors of a failed validation from the function it was given.
    validate.errors = fn.errors;
    return result;
  };
  return validate;
}

function lazySerializer(compile: () => Serializer): Serializer {
  let fn: Serializer | undefined;
  return (data) => (fn ??= compile())(data);
}

type BuildValidator = ReturnType<typeof AjvCompiler>;
type BuildSerializer = ReturnType<typeof SerializerCompiler>;

type Factory<F> = (externalSchemas: unknown, options: unknown) => (route: unknown) => F;

/** One compiler per Fastify schema controller, as Fastify does, built at its first use. */
function lazyFactory<F>(load: () => Factory<F>, wrap: (compile: () => F) => F): Factory<F> {
  return (externalSchemas, options) => {
    let compiler: ((route: unknown) => F) | undefined;
    return (route) => wrap(() => (compiler ??= load()(externalSchemas, options))(route));
  };
}

export function lazyCompilers(): { buildValidator: BuildValidator; buildSerializer: BuildSerializer } {
  // Fastify's selectors cache their Ajv instances across encapsulated contexts: one each.
  let validators: Factory<Validator> | undefined;
  let serializers: Factory<Serializer> | undefined;
  return {
    buildValidator: lazyFactory<Validator>(
      () => (validators ??= (require('@fastify/ajv-compiler') as typeof AjvCompiler)() as unknown as Factory<Validator>), lazyValidator,
    ) as unknown as BuildValidator,
    buildSerializer: lazyFactory<Serializer>(
      () => (serializers ??= (require('@fastify/fast-json-stringify-compiler') as typeof SerializerCompiler)() as unknown as Factory<Serializer>),
      lazySerializer,
    ),
  };
}
