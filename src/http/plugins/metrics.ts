/**
 * GET /metrics in the Prometheus text format (prom-client). One registry per app, so several
 * apps in one process (tests) do not collide. Counting happens in one onResponse hook with the
 * route pattern as label (never the raw URL: bounded cardinality), through label children
 * cached by key: a Map lookup and two increments per request on the token hot path.
 */
import cluster from 'node:cluster';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface PoolStats { total: number; idle: number; waiting: number }

const TOKEN_ROUTE = /\/oauth2\/token$|^\/oauth\/access_token/;
const LOGIN_FAILURE_STATUS: Record<number, string> = { 401: 'bad_credentials', 429: 'locked' };
export const METRICS_REQUEST = 'pixie:metrics-request';
export const METRICS_RESPONSE = 'pixie:metrics-response';

export function registerMetrics(app: FastifyInstance, poolStats?: () => PoolStats): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'pixie_http_requests_total', help: 'HTTP requests by route pattern, method and status', registers: [registry],
    labelNames: ['route', 'method', 'status'] as const,
  });
  const latency = new Histogram({
    name: 'pixie_http_request_duration_seconds', help: 'Time from request to response, by route pattern', registers: [registry],
    labelNames: ['route', 'method'] as const, buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  const tokens = new Counter({
    name: 'pixie_tokens_issued_total', help: 'Successful token responses by grant type', registers: [registry], labelNames: ['grant_type'] as const,
  });
  const loginFailures = new Counter({
    name: 'pixie_login_failures_total', help: 'Refused sign-ins: bad_credentials or locked (throttled)', registers: [registry], labelNames: ['reason'] as const,
  });
  if (poolStats) {
    const pool = new Gauge({
      name: 'pixie_db_pool_connections', help: 'PostgreSQL pool: total, idle, and waiting (queued requests)', registers: [registry],
      labelNames: ['state'] as const,
      collect() {
        const s = poolStats();
        pool.set({ state: 'total' }, s.total);
        pool.set({ state: 'idle' }, s.idle);
        pool.set({ state: 'waiting' }, s.waiting);
      },
    });
  }

  const children = new Map<string, { count: Counter.Internal; time: Histogram.Internal<'route' | 'method'> }>();
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    const status = reply.statusCode;
    const key = `${request.method} ${status} ${route}`;
    let c = children.get(key);
    if (!c) {
      c = { count: requests.labels(route, request.method, String(status)), time: latency.labels(route, request.method) };
      children.set(key, c);
    }
    c.count.inc();
    c.time.observe(reply.elapsedTime / 1000);
    if (status === 200 && request.method === 'POST' && TOKEN_ROUTE.test(route)) {
      // Only a 200 gets here, so grant_type named a registered grant: the label stays bounded.
      const grant = (request.body as Record<string, unknown> | undefined)?.grant_type;
      if (typeof grant === 'string') tokens.inc({ grant_type: grant });
    } else if (route === '/login' && request.method === 'POST' && LOGIN_FAILURE_STATUS[status]) {
      loginFailures.inc({ reason: LOGIN_FAILURE_STATUS[status] });
    }
    done();
  });

  if (cluster.isWorker) {
    // Every worker answers the primary's gathering requests from its start, not only once scraped.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([registry]);
  }
  app.get('/metrics', async (_request, reply) => {
    const text = cluster.isWorker && process.send ? await clusterMetrics(registry) : await registry.metrics();
    return reply.type(registry.contentType).header('cache-control', 'no-store').send(text);
  });
  return registry;
}

let workerRequests = 0;
let workerListener = false;
const pending = new Map<number, (text: string | null) => void>();

/**
 * In a cluster worker: ask the primary, which gathers every worker's registry (prom-client
 * AggregatorRegistry), so a scrape through the shared port sees the whole server. Falls back
 * to this worker's numbers if the primary does not answer in time.
 */
function clusterMetrics(local: Registry): Promise<string> {
  if (!workerListener) {
    workerListener = true;
    process.on('message', (m: { type?: string; id?: number; text?: string | null }) => {
      if (m?.type === METRICS_RESPONSE && typeof m.id === 'number') {
        pending.get(m.id)?.(m.text ?? null);
        pending.delete(m.id);
      }
    });
  }
  const id = workerRequests++;
  return new Promise<string | null>((resolve) => {
    const timer = setTimeout(() => { pending.delete(id); resolve(null); }, 5000);
    pending.set(id, (text) => { clearTimeout(timer); resolve(text); });
    process.send!({ type: METRICS_REQUEST, id });
  }).then((text) => text ?? local.metrics());
}
