/** buildApp: the Fastify instance with every plugin and route. No listen (tests and main call it). */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import type { CoreDeps } from './core/deps.js';
import { defaultGrantRegistry } from './core/token/registry.js';
import { registerCors } from './http/plugins/cors.js';
import { registerErrorHandler } from './http/plugins/error-handler.js';
import { lazyChildLogger, loggerOptions } from './http/logging.js';
import { serverOptions, trackConnections } from './http/connections.js';
import { lazyCompilers } from './http/lazy-schemas.js';
import { registerMetrics, type PoolStats } from './http/plugins/metrics.js';
import { adminApi } from './http/routes/admin/index.js';
import { healthRoutes } from './http/routes/health.js';
import { authorizeRoutes } from './http/routes/oauth/authorize.js';
import { introspectionRoutes } from './http/routes/oauth/introspect.js';
import { registrationRoutes } from './http/routes/oauth/register.js';
import { tokenRoutes } from './http/routes/oauth/token.js';
import { parRoutes } from './http/routes/oauth/par.js';
import { discoveryRoutes } from './http/routes/oidc/discovery.js';
import { endSessionRoutes } from './http/routes/oidc/end-session.js';
import { consentRoutes } from './http/routes/pages/consent.js';
import { deviceRoutes } from './http/routes/pages/device.js';
import { deviceAuthorizationRoutes } from './http/routes/oauth/device-authorization.js';
import { homeRoutes } from './http/routes/pages/home.js';
import { loginRoutes } from './http/routes/pages/login.js';
import { pkceRoutes } from './http/routes/pages/pkce.js';
import { assetRoutes } from './http/routes/assets.js';
import { stackExchangeRoutes } from './http/routes/oauth/stackexchange.js';
import { accountRoutes } from './http/routes/portal/account.js';
import { appRoutes } from './http/routes/portal/apps.js';
import { credentialRoutes } from './http/routes/portal/credentials.js';
import { cookie, Fastify, formbody } from './vendor/fastify.js';

export interface BuildOptions {
  config: Config;
  deps: CoreDeps;
  https?: { cert: Buffer; key: Buffer } | null;
  /** A pino destination stream (tests capture logs with it). */
  logStream?: NodeJS.WritableStream;
  /** Database pool counters for /metrics (PostgreSQL). */
  poolStats?: () => PoolStats;
}

export async function buildApp(opts: BuildOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const logger = loggerOptions(config.logLevel) as Record<string, unknown>;
  const app = Fastify({
    logger: opts.logStream ? { ...logger, stream: opts.logStream } : logger,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    ...serverOptions(config, opts.https),
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
    schemaController: { compilersFactory: lazyCompilers() },
    childLoggerFactory: lazyChildLogger,
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  trackConnections(app.server, config.maxConnectionsPerIp);
  app.decorate('pixie', { deps: opts.deps, registry: defaultGrantRegistry(), config });
  // Repeated parameters arrive as arrays, which every schema rejects (RFC 6749 §3.1: no duplicates).
  await app.register(formbody, { bodyLimit: config.bodyLimit });
  await app.register(cookie);
  registerErrorHandler(app);
  // Nothing is answered before the writes behind it are committed (see SqliteExecutor.sync).
  // A callback hook, not an async one: most responses have nothing to wait for and then cost
  // no promise at all.
  app.addHook('onSend', (_request, _reply, payload, done) => {
    const pending = opts.deps.stores.sync();
    if (!pending) return done(null, payload);
    pending.then(() => done(null, payload), (err: Error) => done(err));
  });
  registerMetrics(app, opts.poolStats);
  // Before the routes: it attaches itself to the CORS endpoints as they are registered.
  registerCors(app);
  healthRoutes(app);
  homeRoutes(app);
  tokenRoutes(app);
  authorizeRoutes(app);
  parRoutes(app);
  introspectionRoutes(app);
  registrationRoutes(app);
  discoveryRoutes(app);
  endSessionRoutes(app);
  loginRoutes(app);
  consentRoutes(app);
  pkceRoutes(app);
  assetRoutes(app);
  stackExchangeRoutes(app);
  appRoutes(app);
  credentialRoutes(app);
  deviceAuthorizationRoutes(app);
  deviceRoutes(app);
  accountRoutes(app);
  await adminApi(app);
  return app;
}
