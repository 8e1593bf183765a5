/** What routes need from the composition root, attached to the Fastify instance. */
import type { TObject, TOptional, TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';
import type { CoreDeps } from '../core/deps.js';
import type { ResolvedServer } from '../core/directory.js';
import { AppError } from '../core/errors.js';
import type { GrantRegistry } from '../core/token/registry.js';
import { Type } from '../vendor/typebox.js';

export interface AppContext {
  deps: CoreDeps;
  registry: GrantRegistry;
  config: Config;
}

export type ErrorFormat = 'oauth-json' | 'oauth-form' | 'page' | 'json' | 'bearer';

declare module 'fastify' {
  interface FastifyInstance {
    pixie: AppContext;
  }
  interface FastifyContextConfig {
    errorFormat?: ErrorFormat;
  }
}

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
export const TenantServerParams = Type.Object({ tenant: Id, server: Id });

export async function resolveServer(app: FastifyInstance, tenant: string, server: string): Promise<ResolvedServer> {
  const rs = await app.pixie.deps.directory.resolve(tenant, server);
  if (!rs) throw new AppError('not_found', `no authorization server "${tenant}/${server}"`);
  return rs;
}

export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

export function isForm(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/**
 * One form or query value. Each parameter must appear once (RFC 6749 §3.1, §3.2): a repeated
 * one arrives as an array, which a string schema refuses (400 naming the parameter).
 */
const FormValue = Type.String({ maxLength: 8192 });

type Optional<K extends string, S extends TSchema> = TObject<{ [P in K]: TOptional<S> }>;

function fields<K extends string, S extends TSchema>(names: readonly K[], value: S, other: TSchema): Optional<K, S> {
  const properties = Object.fromEntries(names.map((name) => [name, Type.Optional(value)]));
  // Typed by the names: TypeBox cannot follow Object.fromEntries.
  return Type.Object(properties, { additionalProperties: other }) as unknown as Optional<K, S>;
}

/**
 * A form body (or query) of single string values: the fields the route reads, each optional,
 * and any other field a single string as well (the endpoint ignores or refuses it itself).
 */
export function Form<K extends string>(...names: K[]): Optional<K, typeof FormValue> {
  return fields(names, FormValue, FormValue);
}

/**
 * A query whose parameters may repeat: the authorization endpoints decide themselves what a
 * repeated parameter means (an error page, or an error redirect), and check sizes themselves.
 */
const OneOrMore = Type.Union([Type.String(), Type.Array(Type.String())]);
export function RepeatableQuery<K extends string>(...names: K[]): Optional<K, typeof OneOrMore> {
  return fields(names, OneOrMore, OneOrMore);
}

/*
 * No header schemas: the headers routes read (Authorization, Content-Type) are
 * single strings by Node's own parsing (it drops a repeated Authorization and Content-Type),
 * typed by its IncomingHttpHeaders. A schema there could never fail, and would cost a validation
 * on every token request.
 */

/** A string property of a value of unknown shape (a body seen by a plugin that serves many routes). */
export function stringField(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field: unknown = Reflect.get(value, name);
  return typeof field === 'string' ? field : undefined;
}
