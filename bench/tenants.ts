/**
 * `npm run bench:tenants`: does Pixie stay as quick to start, as small and as fast per request
 * with 10,000 tenants as with none? On SQLite, and on PostgreSQL when DATABASE_URL or
 * PIXIE_TEST_DATABASE_URL is set (in a fresh schema, dropped afterwards):
 *
 * 1. an empty database, and a database where the tenants are created through
 *    `POST /api/system/tenants`, each with one confidential client on its `default` server
 *    (`POST /api/admin/{tenant}/clients`), N at a time;
 * 2. restart `pixie serve` 3 times on each, in turn (time to /readyz, RSS a second later);
 * 3. touch every tenant once (discovery and JWKS of its `default` server), RSS again;
 * 4. client_credentials token and discovery latency on the first and the last tenant, requests
 *    alternating between the two so that a noisy moment of the shared machine hits both alike.
 *
 * Prints the results against the targets and writes them into docs/benchmarks.md between the
 * markers below (after the hand-written notes marker, which `npm run bench` keeps).
 *
 * Environment: BENCH_TENANTS (default 10000), BENCH_TENANT_CONCURRENCY (10),
 * BENCH_READY_TIMEOUT_SECONDS (a restart slower than this is reported as not ready, default 30),
 * BENCH_LATENCY_REQUESTS (per tenant and endpoint, default 500), BENCH_BACKENDS (`sqlite,postgres`),
 * BENCH_NO_DOCS=1 (do not write docs/benchmarks.md; also when BENCH_TENANTS is not 10000).
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ensureBuilt, machineInfo, type MachineInfo } from './machine.js';
import { freePort, startProcess, type BenchProcess } from './processes.js';
import { NOTES_MARKER } from './report.js';

const env = process.env;
const TENANTS = Number(env.BENCH_TENANTS ?? 10_000);
const CONCURRENCY = Number(env.BENCH_TENANT_CONCURRENCY ?? 10);
const READY_TIMEOUT_S = Number(env.BENCH_READY_TIMEOUT_SECONDS ?? 30);
const LATENCY_REQUESTS = Number(env.BENCH_LATENCY_REQUESTS ?? 500);
const LATENCY_WARMUP = 50;
const PG_BASE = env.DATABASE_URL || env.PIXIE_TEST_DATABASE_URL || '';
const BACKENDS = new Set((env.BENCH_BACKENDS ?? 'sqlite,postgres').split(','));
/** After a restart that missed the timeout, the bench still needs a server: wait this long. */
const FALLBACK_TIMEOUT_MS = 15 * 60_000;
const SYSTEM_SECRET = `pxs_bench-tenants-${randomBytes(12).toString('hex')}`;
const CLIENT_ID = 'bench-svc';
const SCOPE = 'read_inbox';

export const BEGIN_MARKER = '<!-- tenants bench: begin (written by npm run bench:tenants) -->';
export const END_MARKER = '<!-- tenants bench: end -->';

function log(line: string): void {
  process.stderr.write(`[bench:tenants] ${line}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Tenant ids that sort in creation order. */
const tenantId = (i: number) => `t${String(i).padStart(5, '0')}`;

interface Storage {
  name: 'SQLite' | 'PostgreSQL';
  env: Record<string, string>;
  dataDir: string;
  /** Bytes the database takes: SQLite pages (WAL included), or the PostgreSQL schema's tables with their indexes. */
  size(): Promise<number>;
  drop(): Promise<void>;
}

function sqliteStorage(): Storage {
  const dataDir = mkdtempSync(join(tmpdir(), 'pixie-tenants-'));
  return {
    name: 'SQLite', env: { DATABASE_URL: '' }, dataDir,
    async size() {
      const db = new Database(join(dataDir, 'pixie.db'), { readonly: true });
      try {
        return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
      } finally {
        db.close();
      }
    },
    async drop() { rmSync(dataDir, { recursive: true, force: true }); },
  };
}

async function pgQuery<R>(text: string, values: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: PG_BASE });
  await c.connect();
  try {
    return (await c.query(text, values)).rows as R[];
  } finally {
    await c.end();
  }
}

async function pgStorage(): Promise<Storage> {
  const schema = `pixie_bench_${randomBytes(6).toString('hex')}`;
  await pgQuery(`CREATE SCHEMA ${schema}`);
  const url = new URL(PG_BASE);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'pixie-tenants-pg-'));
  return {
    name: 'PostgreSQL', env: { DATABASE_URL: url.toString() }, dataDir,
    async size() {
      const [row] = await pgQuery<{ bytes: string | null }>(
        `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind = 'r'`, [schema]);
      return Number(row?.bytes ?? 0);
    },
    async drop() {
      await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Started { proc: BenchProcess; url: string; ms: number }

async function startPixie(st: Storage, timeoutMs: number): Promise<Started> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const proc = await startProcess({
    name: `pixie (${st.name})`, cpu: '0', readyUrl: `${url}/readyz`, readyTimeoutMs: timeoutMs,
    args: ['bin/pixie.mjs', 'serve', '--data', st.dataDir, '--port', String(port), '--log-level', 'warn'],
    env: { PIXIE_ADMIN_CLIENT_SECRET: SYSTEM_SECRET, ...st.env },
  });
  return { proc, url, ms: performance.now() - t0 };
}

interface Restarts {
  /** Time to /readyz of each restart; null: not ready within READY_TIMEOUT_S. */
  ms: (number | null)[];
  /** RSS a second after ready. */
  rssMb: (number | null)[];
}

/** One restart on existing data: time to ready and RSS a second later; the server keeps running. */
async function restart(st: Storage, label: string, into: Restarts): Promise<Started | null> {
  try {
    const s = await startPixie(st, READY_TIMEOUT_S * 1000);
    await sleep(1000);
    into.ms.push(s.ms);
    into.rssMb.push(s.proc.rssMb());
    log(`${st.name} ${label}: restart ${into.ms.length} ready in ${s.ms.toFixed(0)} ms, RSS ${s.proc.rssMb()?.toFixed(1)} MB`);
    return s;
  } catch (err) {
    log(`${st.name} ${label}: restart ${into.ms.length + 1} did not become ready within ${READY_TIMEOUT_S} s (${(err as Error).message})`);
    into.ms.push(null);
    into.rssMb.push(null);
    return null;
  }
}

/**
 * Three restarts of each database, empty and full in turn (a noisy moment of the shared machine
 * then falls on both alike). The last server on the full database is left running for what
 * follows; null when not even a last, patient start got ready.
 */
async function restarts(empty: Storage, full: Storage): Promise<{ empty: Restarts; full: Restarts; running: Started | null }> {
  const out = { empty: { ms: [], rssMb: [] } as Restarts, full: { ms: [], rssMb: [] } as Restarts };
  let running: Started | null = null;
  for (let i = 0; i < 3; i++) {
    await (await restart(empty, 'empty', out.empty))?.proc.stop();
    const s = await restart(full, `${TENANTS} tenants`, out.full);
    if (i < 2) await s?.proc.stop();
    else running = s;
  }
  if (!running) {
    log(`${full.name}: starting once more, waiting up to ${FALLBACK_TIMEOUT_MS / 60_000} min, to go on measuring`);
    running = await startPixie(full, FALLBACK_TIMEOUT_MS).catch(() => null);
    log(running ? `${full.name}: ready after ${(running.ms / 1000).toFixed(1)} s` : `${full.name}: not ready after ${FALLBACK_TIMEOUT_MS / 60_000} min either`);
  }
  return { ...out, running };
}

async function call(url: string, init: RequestInit & { expect: number }): Promise<Record<string, unknown>> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (res.status !== init.expect) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function clientCredentials(url: string, tenant: string, server: string, id: string, secret: string, scope: string): Promise<string> {
  const body = await call(`${url}/${tenant}/${server}/oauth2/token`, {
    method: 'POST', expect: 200, headers: { ...FORM, authorization: basic(id, secret) },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  return body.access_token as string;
}

/** Run `work(i)` for i = 1..n, `concurrency` at a time. */
async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 1;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next <= n) await work(next++);
  }));
}

/** Creates the tenants with a client each; returns the secrets of the first and the last. */
async function createTenants(url: string, n: number): Promise<{ seconds: number; secrets: Map<string, string> }> {
  const admin = await clientCredentials(url, 'system', 'admin', 'system-admin', SYSTEM_SECRET, 'manage_configuration');
  const json = { 'content-type': 'application/json', authorization: `Bearer ${admin}` };
  const secrets = new Map<string, string>();
  const t0 = performance.now();
  await pool(n, CONCURRENCY, async (i) => {
    const id = tenantId(i);
    await call(`${url}/api/system/tenants`, { method: 'POST', expect: 201, headers: json, body: JSON.stringify({ id, name: `Tenant ${i}` }) });
    const client = await call(`${url}/api/admin/${id}/clients`, {
      method: 'POST', expect: 201, headers: json,
      body: JSON.stringify({ authorization_server_id: 'default', client_id: CLIENT_ID, grant_types: ['client_credentials'], scopes: [SCOPE] }),
    });
    if (i === 1 || i === n) secrets.set(id, client.client_secret as string);
    if (i % 1000 === 0) log(`created ${i} tenants (${(i / ((performance.now() - t0) / 1000)).toFixed(0)}/s)`);
  });
  return { seconds: (performance.now() - t0) / 1000, secrets };
}

async function touchAll(url: string, n: number): Promise<number> {
  const t0 = performance.now();
  await pool(n, CONCURRENCY, async (i) => {
    const issuer = `${url}/${tenantId(i)}/default`;
    await call(`${issuer}/.well-known/openid-configuration`, { expect: 200 });
    await call(`${issuer}/.well-known/jwks.json`, { expect: 200 });
  });
  return (performance.now() - t0) / 1000;
}

interface Latency { p50: number; p99: number }
interface TenantLatency { tenant: string; token: Latency; discovery: Latency }

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** Token and discovery latency per tenant, one request at a time, alternating between the tenants. */
async function latencies(url: string, tenants: { id: string; secret: string }[]): Promise<TenantLatency[]> {
  const samples = tenants.map(() => ({ token: [] as number[], discovery: [] as number[] }));
  for (let r = 0; r < LATENCY_WARMUP + LATENCY_REQUESTS; r++) {
    for (const [k, t] of tenants.entries()) {
      const token = await timed(() => clientCredentials(url, t.id, 'default', CLIENT_ID, t.secret, SCOPE));
      const discovery = await timed(() => call(`${url}/${t.id}/default/.well-known/openid-configuration`, { expect: 200 }));
      if (r < LATENCY_WARMUP) continue;
      samples[k]!.token.push(token);
      samples[k]!.discovery.push(discovery);
    }
  }
  const stats = (xs: number[]) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99) });
  return tenants.map((t, k) => ({ tenant: t.id, token: stats(samples[k]!.token), discovery: stats(samples[k]!.discovery) }));
}

interface BackendReport {
  name: string;
  empty: Restarts & { dbBytes: number };
  creation: { seconds: number; rate: number };
  full: Restarts & { dbBytes: number; rssAfterTouchMb: number | null; rssAfterSecondTouchMb: number | null; touchSeconds: number };
  latency: TenantLatency[];
}

async function runBackend(make: () => Promise<Storage>): Promise<BackendReport> {
  const emptySt = await make();
  const st = await make();
  try {
    log(`${st.name}: empty database`);
    await (await startPixie(emptySt, 60_000)).proc.stop(); // creates it
    log(`${st.name}: creating ${TENANTS} tenants, ${CONCURRENCY} at a time`);
    const creator = await startPixie(st, 60_000);
    const created = await createTenants(creator.url, TENANTS).finally(() => creator.proc.stop());
    log(`${st.name}: ${TENANTS} tenants in ${created.seconds.toFixed(1)} s (${(TENANTS / created.seconds).toFixed(0)}/s)`);

    const r = await restarts(emptySt, st);
    const emptyBytes = await emptySt.size();
    const report = (rest: Partial<BackendReport['full']>, latency: TenantLatency[]): BackendReport => ({
      name: st.name, empty: { ...r.empty, dbBytes: emptyBytes }, creation: { seconds: created.seconds, rate: TENANTS / created.seconds },
      full: { ...r.full, dbBytes: NaN, rssAfterTouchMb: null, rssAfterSecondTouchMb: null, touchSeconds: NaN, ...rest }, latency,
    });
    if (!r.running) return report({ dbBytes: await st.size() }, []);
    const { proc, url } = r.running;
    try {
      const touchSeconds = await touchAll(url, TENANTS);
      await sleep(1000);
      const rssAfterTouchMb = proc.rssMb();
      log(`${st.name}: touched ${TENANTS} tenants in ${touchSeconds.toFixed(1)} s; RSS ${rssAfterTouchMb?.toFixed(1)} MB`);
      // Again: with the resolved-server cache full, memory should stay where it is.
      await touchAll(url, TENANTS);
      await sleep(1000);
      const rssAfterSecondTouchMb = proc.rssMb();
      log(`${st.name}: touched them all again; RSS ${rssAfterSecondTouchMb?.toFixed(1)} MB`);
      const ends = [tenantId(1), tenantId(TENANTS)].map((id) => ({ id, secret: created.secrets.get(id)! }));
      const latency = await latencies(url, ends);
      for (const l of latency) {
        log(`${st.name} ${l.tenant}: token p50 ${l.token.p50.toFixed(2)} ms p99 ${l.token.p99.toFixed(2)} ms; `
          + `discovery p50 ${l.discovery.p50.toFixed(2)} ms p99 ${l.discovery.p99.toFixed(2)} ms`);
      }
      await proc.stop();
      return report({ dbBytes: await st.size(), rssAfterTouchMb, rssAfterSecondTouchMb, touchSeconds }, latency);
    } finally {
      await proc.stop();
    }
  } finally {
    await emptySt.drop();
    await st.drop();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

interface Target { text: string; value: string; met: boolean | null }

const ms = (x: number | null) => (x === null ? `not ready within ${READY_TIMEOUT_S} s` : `${x.toFixed(0)} ms`);
const mb = (x: number | null) => (x === null ? '–' : `${x.toFixed(1)} MB`);
const known = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);

function targets(r: BackendReport): Target[] {
  const restartOk = r.full.ms.every((x) => x !== null && x < 1000);
  const [full, empty] = [known(r.full.rssMb), known(r.empty.rssMb)];
  const rssRatio = full.length && empty.length ? median(full) / median(empty) : null;
  const [first, last] = r.latency;
  const tokenRatio = first && last ? last.token.p50 / first.token.p50 : null;
  return [
    {
      text: `restart to /readyz with ${TENANTS} tenants under 1 s`,
      value: `${r.full.ms.map(ms).join(', ')} (empty database, just before each: ${r.empty.ms.map(ms).join(', ')})`, met: restartOk,
    },
    {
      text: 'RSS after restart within 10 % of an empty database\'s',
      value: rssRatio === null ? '–' : `${mb(median(full))} vs ${mb(median(empty))} (${((rssRatio - 1) * 100).toFixed(1)} %)`,
      met: rssRatio === null ? false : rssRatio <= 1.1,
    },
    {
      text: `token latency (p50) on tenant ${TENANTS} within 10 % of tenant 1`,
      value: tokenRatio === null ? '–' : `${last!.token.p50.toFixed(2)} vs ${first!.token.p50.toFixed(2)} ms (${((tokenRatio - 1) * 100).toFixed(1)} %)`,
      met: tokenRatio === null ? false : tokenRatio <= 1.1,
    },
  ];
}

function rows(r: BackendReport): [string, string][] {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const lat = (l: Latency) => `${l.p50.toFixed(2)} / ${l.p99.toFixed(2)} ms`;
  const [first, last] = r.latency;
  return [
    ['creation (tenant + client, 2 requests)', `${r.creation.rate.toFixed(0)} tenants/s (${r.creation.seconds.toFixed(1)} s)`],
    ['restart to /readyz, empty database', r.empty.ms.map(ms).join(', ')],
    [`restart to /readyz, ${TENANTS} tenants`, r.full.ms.map(ms).join(', ')],
    ['RSS after restart, empty database', r.empty.rssMb.map(mb).join(', ')],
    [`RSS after restart, ${TENANTS} tenants`, r.full.rssMb.map(mb).join(', ')],
    ['touching every tenant (discovery + JWKS)', Number.isNaN(r.full.touchSeconds) ? '–' : `${r.full.touchSeconds.toFixed(1)} s`],
    ['RSS after touching every tenant once / twice', `${mb(r.full.rssAfterTouchMb)} / ${mb(r.full.rssAfterSecondTouchMb)}`],
    ['database size, empty / per tenant', `${kb(r.empty.dbBytes)} / ${Number.isNaN(r.full.dbBytes) ? '–' : kb((r.full.dbBytes - r.empty.dbBytes) / TENANTS)}`],
    [`token p50 / p99, tenant 1 / tenant ${TENANTS}`, first && last ? `${lat(first.token)} / ${lat(last.token)}` : '–'],
    [`discovery p50 / p99, tenant 1 / tenant ${TENANTS}`, first && last ? `${lat(first.discovery)} / ${lat(last.discovery)}` : '–'],
  ];
}

function renderText(reports: BackendReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`${r.name}:`);
    const w = Math.max(...rows(r).map(([k]) => k.length));
    for (const [k, v] of rows(r)) lines.push(`  ${k.padEnd(w)}  ${v}`);
    for (const t of targets(r)) lines.push(`  ${t.met ? '✔' : '✘'} ${t.text}: ${t.value}`);
  }
  return lines.join('\n');
}

function renderSection(reports: BackendReport[], m: MachineInfo, skipped: string[]): string {
  const names = reports.map((r) => r.name);
  const keys = rows(reports[0]!).map(([k]) => k);
  const table = [
    `| | ${names.join(' | ')} |`, `| --- | ${names.map(() => '---').join(' | ')} |`,
    ...keys.map((k, i) => `| ${k} | ${reports.map((r) => rows(r)[i]?.[1] ?? '–').join(' | ')} |`),
  ].join('\n');
  const checks = reports.flatMap((r) => targets(r).map((t) => `- ${t.met ? '✔' : '✘'} ${r.name}: ${t.text}: ${t.value}`)).join('\n');
  return `${BEGIN_MARKER}
## Tenants at scale (\`npm run bench:tenants\`)

Latest run: **${m.date}**, commit \`${m.commit}\`, ${m.cpuModel} (\`nproc\` ${m.nproc}), Node ${m.node}; load average
(1, 5, 15 min) before ${m.loadBefore}, after ${machineInfo().loadBefore}: the machine is shared, so compare the
full database with the empty one (their restarts alternate) rather than with absolute numbers.

How: \`pixie serve\` from dist/ (pinned to core 0, \`--log-level warn\`). ${TENANTS} tenants are created through
\`POST /api/system/tenants\` (each comes with its \`admin\` and \`default\` servers), each with one confidential
client on \`default\` (\`POST /api/admin/{tenant}/clients\`), ${CONCURRENCY} tenants at a time. Then the server is
stopped and started 3 times on that data (time from spawn to the first 200 from \`/readyz\`; RSS is
\`VmRSS\` a second after that), every tenant is touched once (discovery and JWKS of its \`default\` server,
${CONCURRENCY} at a time), RSS is read, every tenant is touched again and RSS read again. Latency is
measured one request at a time from the bench process (HTTP client included), ${LATENCY_REQUESTS} requests
per tenant and endpoint after ${LATENCY_WARMUP} of warm-up, alternating between tenant 1 and tenant ${TENANTS}.
The empty database (only the \`default\` and \`system\` tenants) is restarted the same way, each of its
restarts just before one of the full database. Database size: SQLite's pages (WAL included), or the
PostgreSQL schema's tables with their indexes and TOAST.${skipped.length ? ` Not run: ${skipped.join('; ')}.` : ''}

${table}

${checks}
${END_MARKER}`;
}

/** Replace the section between the markers, or put it first among the notes `npm run bench` keeps. */
export function withSection(doc: string, section: string): string {
  const [b, e] = [doc.indexOf(BEGIN_MARKER), doc.indexOf(END_MARKER)];
  if (b >= 0 && e > b) return doc.slice(0, b) + section + doc.slice(e + END_MARKER.length);
  const at = doc.indexOf(NOTES_MARKER);
  if (at < 0) return `${doc}\n${NOTES_MARKER}\n\n${section}\n`;
  const after = at + NOTES_MARKER.length;
  return `${doc.slice(0, after)}\n\n${section}\n${doc.slice(after)}`;
}

async function main(): Promise<void> {
  ensureBuilt(log);
  const m = machineInfo();
  log(`${m.cpuModel}, nproc ${m.nproc}, Node ${m.node}, load ${m.loadBefore}; ${TENANTS} tenants, ${CONCURRENCY} at a time`);
  const reports: BackendReport[] = [];
  const skipped: string[] = [];
  if (BACKENDS.has('sqlite')) reports.push(await runBackend(async () => sqliteStorage()));
  if (!BACKENDS.has('postgres')) skipped.push('PostgreSQL (BENCH_BACKENDS)');
  else if (!PG_BASE) skipped.push('PostgreSQL (neither DATABASE_URL nor PIXIE_TEST_DATABASE_URL set)');
  else reports.push(await runBackend(pgStorage));
  if (reports.length === 0) throw new Error('no backend to run (BENCH_BACKENDS)');
  process.stdout.write(`${renderText(reports)}\n`);
  if (!env.BENCH_NO_DOCS && TENANTS === 10_000) {
    const docs = 'docs/benchmarks.md';
    writeFileSync(docs, withSection(existsSync(docs) ? readFileSync(docs, 'utf8') : '', renderSection(reports, m, skipped)));
    log('wrote its section of docs/benchmarks.md');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:tenants failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
