/**
 * @module @pixie-auth/verify/resource-metadata
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): the document that tells a client which
 * authorization server issues tokens for this API, served at
 * `/.well-known/oauth-protected-resource[/path]`; the verifier's 401s point to it.
 */

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

export interface ProtectedResourceOptions {
  /** The API's resource identifier (RFC 8707): an https URL without fragment, e.g. `https://mcp.example.com/mcp`. */
  resource: string;
  /** Issuers of the authorization servers whose tokens this API accepts. */
  authorizationServers: string[];
  /** The scopes this API understands (`scopes_supported`). */
  scopes?: string[];
  /** How tokens may be sent (`bearer_methods_supported`); default `["header"]`. */
  bearerMethods?: ('header' | 'body' | 'query')[];
  /** A name for people (`resource_name`). */
  resourceName?: string;
  /** Where people read about the API (`resource_documentation`). */
  documentation?: string;
}

/** The RFC 9728 §2 document. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: string[];
  resource_name?: string;
  resource_documentation?: string;
}

/** Structural types, so that this module needs no runtime import of Fastify or Express. */
export interface FastifyLikeApp {
  get(path: string, handler: (request: unknown, reply: MetadataReply) => unknown): unknown;
}
export interface MetadataReply {
  header(name: string, value: string): MetadataReply;
  send(body: unknown): unknown;
}
export interface ExpressLikeMetadataRequest { method?: string; path?: string; url?: string }
export interface ExpressLikeMetadataResponse {
  set(name: string, value: string): ExpressLikeMetadataResponse;
  json(body: unknown): unknown;
}

export interface ProtectedResource {
  /** The document. */
  readonly metadata: ProtectedResourceMetadata;
  /** Where it is served on the API's origin: `/.well-known/oauth-protected-resource[/path]`. */
  readonly path: string;
  /** Its full URL: what `WWW-Authenticate: Bearer resource_metadata="…"` names. */
  readonly url: string;
  /** Registers `GET {path}` on a Fastify app. */
  fastify(app: FastifyLikeApp): void;
  /** Express middleware answering `GET {path}`; any other request goes on to `next()`. */
  express(): (req: ExpressLikeMetadataRequest, res: ExpressLikeMetadataResponse, next: () => void) => void;
}

function parseResource(resource: string): URL {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw new TypeError(`resource must be an absolute URL, got "${resource}"`);
  }
  if (resource.includes('#')) throw new TypeError('resource must not contain a fragment (RFC 8707 §2)');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('resource must be an http(s) URL');
  return url;
}

/** The well-known path for a resource: the path of the resource, if any, goes after it (RFC 9728 §3.1). */
function metadataPath(url: URL): string {
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${WELL_KNOWN}${path}`;
}

/**
 * The URL of a resource's metadata document (RFC 9728 §3.1): `https://api.example.com/mcp`
 * → `https://api.example.com/.well-known/oauth-protected-resource/mcp`.
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = parseResource(resource);
  return `${url.origin}${metadataPath(url)}`;
}

/**
 * @example
 * const prm = protectedResource({ resource: 'https://mcp.example.com/mcp', authorizationServers: ['https://id.example.com/default/default'] });
 * prm.fastify(app);              // or app.use(prm.express())
 * const verifier = createVerifier({ issuer: 'https://id.example.com/default/default', resource: prm.metadata.resource });
 */
export function protectedResource(options: ProtectedResourceOptions): ProtectedResource {
  const url = parseResource(options.resource);
  if (!options.authorizationServers.length) throw new TypeError('authorizationServers must name at least one issuer');
  const metadata: ProtectedResourceMetadata = {
    resource: options.resource,
    authorization_servers: [...options.authorizationServers],
    ...(options.scopes ? { scopes_supported: [...options.scopes] } : {}),
    bearer_methods_supported: [...(options.bearerMethods ?? ['header'])],
    ...(options.resourceName ? { resource_name: options.resourceName } : {}),
    ...(options.documentation ? { resource_documentation: options.documentation } : {}),
  };
  const path = metadataPath(url);
  // Public, and read by browser-based clients from other origins (RFC 9728 §3).
  const headers: [string, string][] = [['access-control-allow-origin', '*'], ['cache-control', 'max-age=300']];
  return {
    metadata,
    path,
    url: `${url.origin}${path}`,
    fastify(app) {
      app.get(path, (_request, reply) => {
        for (const [k, v] of headers) reply.header(k, v);
        return reply.send(metadata);
      });
    },
    express() {
      return (req, res, next) => {
        const requested = req.path ?? (req.url ?? '').split('?')[0];
        if ((req.method === 'GET' || req.method === 'HEAD') && requested === path) {
          for (const [k, v] of headers) res.set(k, v);
          res.json(metadata);
          return;
        }
        next();
      };
    },
  };
}
