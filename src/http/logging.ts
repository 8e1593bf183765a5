/**
 * pino options: secrets never reach a log line. Headers that carry credentials are redacted,
 * and sensitive parameters are masked in logged URLs (codes arrive in query strings) and bodies,
 * by their names as the server decodes them: `client_%73ecret=…` is masked like `client_secret=…`.
 */
import type { FastifyServerOptions } from 'fastify';

/** Parameter names whose values are secrets (or let one be replayed), compared after decoding. */
const SENSITIVE = new Set([
  'code', 'access_token', 'refresh_token', 'id_token', 'id_token_hint', 'logout_hint', 'token', 'client_secret', 'client_assertion',
  'code_verifier', 'password', 'key', 'state', 'csrf', 'assertion', 'subject_token', 'pkce_verifier',
  // RFC 9126: a pushed request's reference, usable once by whoever holds it first.
  'request_uri',
  // RFC 8628: the device polls with the device code; the user code is in verification_uri_complete's query.
  'device_code', 'user_code',
]);

/** The name as a server would read it: `+` is a space, `%xx` decoded (so `client_%73ecret` is `client_secret`). */
function decodedName(raw: string): string | null {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return null; // undecodable: treated as sensitive
  }
}

function isSensitive(name: string | null): boolean {
  return name === null || SENSITIVE.has(name.trim());
}

/** The URL with the value of every sensitive query parameter replaced, names compared after decoding. */
export function maskUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const pairs = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair;
    return isSensitive(decodedName(pair.slice(0, eq))) ? `${pair.slice(0, eq)}=[redacted]` : pair;
  });
  return `${url.slice(0, q)}?${pairs.join('&')}`;
}

/** A parsed body (form or JSON) with every sensitive value replaced, at any depth. */
export function maskParams(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskParams);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSensitive(k.toLowerCase()) ? '[redacted]' : maskParams(v)]));
}

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization', 'req.headers["proxy-authorization"]', 'req.headers.cookie', 'req.headers.dpop',
        'req.headers["pkce-verifier"]', 'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie', 'headers.dpop',
        'headers["set-cookie"]',
        '*.password', '*.client_secret', '*.code_verifier', '*.refresh_token', '*.access_token', '*.token', '*.code', '*.id_token_hint',
        '*.device_code', '*.user_code',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(request: { method: string; url: string; ip?: string; id?: string }) {
        return { method: request.method, url: maskUrl(request.url), remoteAddress: request.ip };
      },
      body: maskParams,
    },
  };
}

type Bindings = Record<string, unknown>;
type LogFn = (...args: unknown[]) => void;
interface Logger {
  level: string;
  isLevelEnabled(level: string): boolean;
  child(bindings: Bindings, opts?: Bindings): Logger;
  [method: string]: unknown;
}

const METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/**
 * The request logger Fastify hands each request (`request.log`), made only when a line is written.
 *
 * Fastify makes a pino child per request for its `reqId` binding, and with redaction on, each
 * child serializes and redacts its bindings: a few microseconds on every request. At `info` (the
 * default) Fastify writes two lines per request, so the child is made anyway; at `warn` or above
 * (the benchmarks run at `warn`) a request almost never logs anything. This stands in for the
 * child: each level method first asks the parent whether the level is enabled (a comparison),
 * and the real child is created at the first line that will be written, with the same bindings.
 */
class LazyRequestLogger {
  private real: Logger | null = null;
  [method: string]: unknown;

  constructor(private readonly parent: Logger, private readonly bindings: Bindings, private readonly opts: Bindings) {
    for (const level of METHODS) {
      this[level] = (...args: unknown[]) => {
        if (!this.enabled(level)) return;
        const logger = this.logger();
        (logger[level] as LogFn).apply(logger, args);
      };
    }
  }

  private enabled(level: string): boolean {
    // A route with its own level (opts.level) gets its real child at once: rare, and exact.
    if (this.real || this.opts.level !== undefined) return this.logger().isLevelEnabled(level);
    return this.parent.isLevelEnabled(level);
  }

  private logger(): Logger {
    return (this.real ??= this.parent.child(this.bindings, this.opts));
  }

  get level(): string {
    return this.real?.level ?? (this.opts.level as string | undefined) ?? this.parent.level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return this.enabled(level);
  }

  child(bindings: Bindings, opts?: Bindings): Logger {
    return this.logger().child(bindings, opts);
  }
}

/** Fastify's `childLoggerFactory`: see LazyRequestLogger. */
export function lazyChildLogger(logger: unknown, bindings: Bindings, opts: Bindings): unknown {
  return new LazyRequestLogger(logger as Logger, bindings, opts);
}
