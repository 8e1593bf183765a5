/**
 * GET /metrics in the Prometheus text format (prom-client). One registry per app, so several
 * apps in one process (tests) do not collide. Counting happens in one onResponse hook with the
 * route pattern as label (never the raw URL: bounded cardinality): a Map lookup and a few
 * additions per request on the token hot path, turned into metric values only when scraped.
 */
import cluster from 'node:cluster';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { stringField } from '../context.js';

export interface PoolStats { total: number; idle: number; waiting: number }

const TOKEN_ROUTE = /\/oauth2\/token$|^\/oauth\/access_token/;
const REGISTER_ROUTE = '/:tenant/:server/oauth2/register';
const LOGIN_FAILURE_STATUS: Record<number, string> = { 401: 'bad_credentials', 429: 'locked' };
export const METRICS_REQUEST = 'pixie:metrics-request';
export const METRICS_RESPONSE = 'pixie:metrics-response';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface RouteCounts {
  route: string;
  method: string;
  statuses: Map<number, number>;
  /** Per bucket (not cumulative) counts; the last slot is above every bound (+Inf). */
  buckets: number[];
  sum: number;
  count: number;
}

type MetricValue = { labels: Record<string, string | number>; value: number; metricName?: string };

/**
 * A prom-client metric whose values are computed at scrape time from plain counters. The hot
 * path (every request) then only bumps numbers in a Map entry: prom-client's own observe()
 * hashes its label object on every call, which showed up in profiles of the token endpoint.
 * The registry formats it and the cluster aggregator sums it like any other metric.
 */
function scrapeTimeMetric(registry: Registry, name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValue[]): void {
  registry.registerMetric({
    name, help, type, aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
    reset: () => {},
  } as unknown as Parameters<Registry['registerMetric']>[0]);
}

/** Plain counters the hot path bumps; prom-client only reads them when scraped. */
interface Counts {
  routes: Map<string, RouteCounts>;
  tokens: Map<string, number>;
  loginFailures: Map<string, number>;
  registrations: Map<string, number>;
}

/**
 * The prom-client registry, built at the first scrape (or at start in a cluster worker, which
 * must answer the primary's gathering requests): prom-client and its dependencies are a good
 * part of start-up time and memory, and a server nobody scrapes does not need them.
 */
async function buildRegistry(counts: Counts, poolStats?: () => PoolStats): Promise<Registry> {
  const { AggregatorRegistry, collectDefaultMetrics, Gauge, Registry } = await import('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const { routes } = counts;
  scrapeTimeMetric(registry, 'pixie_http_requests_total', 'HTTP requests by route pattern, method and status', 'counter', () =>
    [...routes.values()].flatMap((r) => [...r.statuses].map(([status, value]) => ({
      labels: { route: r.route, method: r.method, status: String(status) }, value,
    }))));
  const latencyName = 'pixie_http_request_duration_seconds';
  scrapeTimeMetric(registry, latencyName, 'Time from request to response, by route pattern', 'histogram', () =>
    [...routes.values()].flatMap((r) => {
      let cumulative = 0;
      const buckets = [...LATENCY_BUCKETS, '+Inf' as const].map((le, i) => {
        cumulative += r.buckets[i];
        return { labels: { le, route: r.route, method: r.method }, value: cumulative, metricName: `${latencyName}_bucket` };
      });
      const labels = { route: r.route, method: r.method };
      return [...buckets, { labels, value: r.sum, metricName: `${latencyName}_sum` }, { labels, value: r.count, metricName: `${latencyName}_count` }];
    }));
  scrapeTimeMetric(registry, 'pixie_tokens_issued_total', 'Successful token responses by grant type', 'counter', () =>
    [...counts.tokens].map(([grant_type, value]) => ({ labels: { grant_type }, value })));
  scrapeTimeMetric(registry, 'pixie_login_failures_total', 'Refused sign-ins: bad_credentials or locked (throttled)', 'counter', () =>
    [...counts.loginFailures].map(([reason, value]) => ({ labels: { reason }, value })));
  scrapeTimeMetric(registry, 'pixie_client_registrations_total', 'Dynamic client registration requests: registered, refused (4xx) or rate_limited', 'counter', () =>
    [...counts.registrations].map(([result, value]) => ({ labels: { result }, value })));
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
  if (cluster.isWorker) {
    // Every worker answers the primary's gathering requests from its start, not only once scraped.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([registry]);
  }
  return registry;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export function registerMetrics(app: FastifyInstance, poolStats?: () => PoolStats): void {
  const counts: Counts = { routes: new Map(), tokens: new Map(), loginFailures: new Map(), registrations: new Map() };
  let registry: Promise<Registry> | null = null;
  const getRegistry = () => (registry ??= buildRegistry(counts, poolStats));
  if (cluster.isWorker) void getRegistry();

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    const status = reply.statusCode;
    const key = `${request.method} ${route}`;
    let r = counts.routes.get(key);
    if (!r) {
      r = { route, method: request.method, statuses: new Map(), buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      counts.routes.set(key, r);
    }
    r.statuses.set(status, (r.statuses.get(status) ?? 0) + 1);
    const seconds = reply.elapsedTime / 1000;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]) i++;
    r.buckets[i]++;
    r.sum += seconds;
    r.count++;
    if (status === 200 && request.method === 'POST' && TOKEN_ROUTE.test(route)) {
      // Only a 200 gets here, so grant_type named a registered grant: the label stays bounded.
      const grant = stringField(request.body, 'grant_type');
      if (grant !== undefined) bump(counts.tokens, grant);
    } else if (route === '/login' && request.method === 'POST' && LOGIN_FAILURE_STATUS[status]) {
      bump(counts.loginFailures, LOGIN_FAILURE_STATUS[status]);
    } else if (request.method === 'POST' && route === REGISTER_ROUTE) {
      bump(counts.registrations, status === 201 ? 'registered' : status === 429 ? 'rate_limited' : 'refused');
    }
    done();
  });

  app.get('/metrics', async (_request, reply) => {
    const reg = await getRegistry();
    const text = cluster.isWorker && process.send ? await clusterMetrics(reg) : await reg.metrics();
    return reply.type(reg.contentType).header('cache-control', 'no-store').send(text);
  });
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
