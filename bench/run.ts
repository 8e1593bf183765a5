/**
 * `npm run bench`: Pixie on embedded SQLite, node-oidc-provider and a bare Fastify
 * ceiling, each a process pinned to core 0, driven by autocannon in a process pinned to core 1.
 * Prints the table and writes it to docs/benchmarks.md. Never part of `npm test`.
 *
 * Environment: BENCH_SECONDS (per measured run, default 4), BENCH_RUNS (default 3),
 * BENCH_WARMUP_SECONDS (default 1.5), BENCH_CONNECTIONS (default 10), BENCH_ONLY (comma-separated
 * workload ids, e.g. `w1,w3`), BENCH_SERVERS (e.g. `pixie`), BENCH_NO_DOCS=1 (do not write docs/benchmarks.md), BENCH_PIXIE_NODE_ARGS
 * (node flags for Pixie, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserAgent } from '../test/helpers/user-agent.js';
import {
  API_SCOPE, basicAuth, JWT_SERVER, OPAQUE_SERVER, oidcServerConfig, PKCE, pixieImport, PUBLIC_CLIENT, REDIRECT_URI, RESOURCES, TENANT, USER,
} from './fixture.js';
import type { Job, JobResult } from './loadgen.js';
import { ensureBuilt, machineInfo, workersAvailable } from './machine.js';
import { freePort, HAS_TASKSET, startProcess, timeStartup, type BenchProcess } from './processes.js';
import { renderMarkdown, renderTable, type Row, type Report } from './report.js';
import { workloads, type Plan, type ServerName, type Servers, type Workload } from './workloads.js';

const env = process.env;
const SECONDS = Number(env.BENCH_SECONDS ?? 4);
const RUNS = Number(env.BENCH_RUNS ?? 3);
const WARMUP_SECONDS = Number(env.BENCH_WARMUP_SECONDS ?? 1.5);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 10);
const ONLY = env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',')) : null;
const SERVERS = env.BENCH_SERVERS ? new Set(env.BENCH_SERVERS.split(',')) : null;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile Pixie under the bench load. */
const PIXIE_NODE_ARGS = env.BENCH_PIXIE_NODE_ARGS ? env.BENCH_PIXIE_NODE_ARGS.split(' ') : [];

function pixieArgs(importFile: string, dataDir: string, port: number, extra: string[] = []): string[] {
  return [...PIXIE_NODE_ARGS, 'bin/pixie.mjs', 'serve', '--import', importFile, '--data', dataDir, '--port', String(port), '--log-level', 'warn', ...extra];
}

/** Sign in once and approve both scopes sets, so that authorize answers 302 with a code at once. */
async function pixieSession(url: string): Promise<string> {
  const ua = new UserAgent(url);
  for (const [server, scope] of [[OPAQUE_SERVER, API_SCOPE], [JWT_SERVER, `openid profile ${API_SCOPE}`]] as const) {
    const q = new URLSearchParams({
      response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope, code_challenge: PKCE.challenge,
      code_challenge_method: 'S256',
    });
    const back = await ua.authorize(`${url}/${TENANT}/${server}/oauth2/authorize?${q}`, USER);
    if (!back.searchParams.get('code')) throw new Error(`Pixie sign-in for the bench failed: ${back}`);
  }
  return [...ua.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

async function clientCredentialsToken(url: string, authorization: string, extra: Record<string, string>): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: API_SCOPE, ...extra }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token from ${url}: ${JSON.stringify(body)}`);
  return body.access_token;
}

interface RunOutcome { result: JobResult; problem: string | null; cpuUsPerOp: number }

async function execute(loadgen: BenchProcess, server: BenchProcess, plan: Plan, seconds: number, rate: number | null): Promise<RunOutcome> {
  const job: Job = await plan.prepare({ seconds, rate, connections: CONNECTIONS });
  const cpu = server.cpuSeconds();
  const { result } = await loadgen.request<{ result: JobResult }>({ type: 'run', job }, 'result');
  const cpuUsPerOp = ((server.cpuSeconds() - cpu) * 1e6) / Math.max(1, result.ok);
  let problem = plan.check ? await plan.check(job) : null;
  if (plan.usesCodes && result.responses !== job.amount) problem ??= `${result.responses} responses for ${job.amount} codes`;
  return { result, problem, cpuUsPerOp };
}

interface Entry { server: ServerName; plan: Plan; proc: BenchProcess }

/**
 * Warm-up of each server, then run i of every server before run i+1 of any: on a shared machine
 * a noisy minute then hits Pixie and node-oidc-provider alike instead of all the runs of one.
 */
async function interleaved(loadgen: BenchProcess, w: Workload, entries: Entry[]): Promise<Row[]> {
  const rates = new Map<ServerName, number>();
  const runs = new Map<ServerName, RunOutcome[]>();
  for (const e of entries) {
    // Twice: a code workload's first warm-up is a fixed number of codes (its rate is not known
    // yet), a fraction of a second; the second lasts WARMUP_SECONDS at the measured rate.
    const first = await execute(loadgen, e.proc, e.plan, WARMUP_SECONDS, null);
    rates.set(e.server, (await execute(loadgen, e.proc, e.plan, WARMUP_SECONDS, first.result.rate)).result.rate);
    runs.set(e.server, []);
  }
  for (let i = 0; i < RUNS; i++) {
    for (const e of entries) {
      const run = await execute(loadgen, e.proc, e.plan, SECONDS, rates.get(e.server)!);
      runs.get(e.server)!.push(run);
      rates.set(e.server, run.result.rate);
    }
  }
  return entries.map((e) => toRow(w, e.server, e.proc, runs.get(e.server)!));
}

function toRow(w: Workload, server: ServerName, proc: BenchProcess, runs: RunOutcome[]): Row {
  const responses = runs.reduce((a, r) => a + r.result.responses + r.result.errors, 0);
  const failed = runs.reduce((a, r) => a + r.result.failures + r.result.errors, 0);
  const problems = [...new Set(runs.map((r) => r.problem).filter((p): p is string => p !== null))];
  if (failed > 0) problems.push(`statuses ${JSON.stringify(runs.map((r) => r.result.statuses))}`);
  const row: Row = {
    workload: w.id, title: w.title, unit: w.unit, server, rate: median(runs.map((r) => r.result.rate)),
    runs: runs.map((r) => r.result.rate), p50: median(runs.map((r) => r.result.p50)), p99: median(runs.map((r) => r.result.p99)),
    successPct: responses ? (100 * (responses - failed)) / responses : 0, peakRssMb: proc.peakRssMb(), problems,
    requests: runs.reduce((a, r) => a + r.result.ok, 0), cpuUsPerOp: median(runs.map((r) => r.cpuUsPerOp)),
  };
  log(`${w.id} ${server}: ${row.rate.toFixed(0)} ${w.unit} (runs ${row.runs.map((x) => x.toFixed(0)).join(', ')}), `
    + `server CPU ${row.cpuUsPerOp.toFixed(0)} µs/op, p50 ${row.p50} ms, p99 ${row.p99} ms, ${row.successPct.toFixed(2)}% ok${problems.length ? `, PROBLEMS: ${problems.join('; ')}` : ''}`);
  return row;
}

async function main(): Promise<void> {
  const started = performance.now();
  ensureBuilt(log);
  const machine = machineInfo();
  log(`${machine.cpuModel}, nproc ${machine.nproc}, Node ${machine.node}, load ${machine.loadBefore}; taskset ${HAS_TASKSET ? 'yes' : 'no'}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'pixie-bench-'));
  const importFile = join(dataDir, 'import.json');
  writeFileSync(importFile, JSON.stringify(pixieImport()));
  const procs: BenchProcess[] = [];
  try {
    const loadgen = await startProcess({ name: 'loadgen', args: ['--import', 'tsx', 'bench/loadgen.ts'], cpu: '1' });
    procs.push(loadgen);
    const [pixiePort, oidcPort, ceilingPort] = [await freePort(), await freePort(), await freePort()];
    const pixieUrl = `http://127.0.0.1:${pixiePort}`;
    const firstStart = performance.now();
    const pixie = await startProcess({ name: 'pixie', args: pixieArgs(importFile, dataDir, pixiePort), cpu: '0', readyUrl: `${pixieUrl}/readyz` });
    const firstStartMs = performance.now() - firstStart;
    procs.push(pixie);
    const oidc = await startProcess({ name: 'node-oidc-provider', args: ['bench/oidc-server.mjs', JSON.stringify(oidcServerConfig(oidcPort))], cpu: '0' });
    procs.push(oidc);
    const ceiling = await startProcess({ name: 'ceiling', args: ['bench/ceiling-server.mjs', String(ceilingPort)], cpu: '0' });
    procs.push(ceiling);
    const procOf: Record<ServerName, BenchProcess> = { pixie, oidc, ceiling };

    const servers: Servers = {
      pixie: { url: pixieUrl, cookie: await pixieSession(pixieUrl) },
      oidc: { url: `http://127.0.0.1:${oidcPort}`, proc: oidc },
      ceiling: { url: `http://127.0.0.1:${ceilingPort}` },
    };
    const tokens = {
      pixieOpaque: await clientCredentialsToken(`${pixieUrl}/${TENANT}/${OPAQUE_SERVER}/oauth2/token`, basicAuth('opaque'), {}),
      oidcOpaque: await clientCredentialsToken(`${servers.oidc.url}/token`, basicAuth('jwt'), { resource: RESOURCES.opaque }),
    };
    const runJob = async (job: Job) => (await loadgen.request<{ result: JobResult }>({ type: 'run', job }, 'result')).result;

    const rows: Row[] = [];
    for (const w of workloads(servers, tokens, runJob)) {
      if (ONLY && !ONLY.has(w.id) && !w.id.startsWith('ceiling')) continue;
      const entries = (['ceiling', 'pixie', 'oidc'] as const)
        .filter((name) => w.plans[name] && (!SERVERS || SERVERS.has(name)))
        .map((name) => ({ server: name, plan: w.plans[name]!, proc: procOf[name] }));
      rows.push(...(await interleaved(loadgen, w, entries)));
    }

    await pixie.stop();
    procs.splice(procs.indexOf(pixie), 1);
    const startupMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      startupMs.push(await timeStartup({
        name: 'pixie (restart)', args: pixieArgs(importFile, dataDir, port), cpu: '0', readyUrl: `http://127.0.0.1:${port}/readyz`,
      }));
    }
    log(`Pixie start-up to /readyz on the existing database: ${startupMs.map((m) => m.toFixed(0)).join(', ')} ms`);

    const workers = await workersComparison(loadgen, importFile, dataDir, rows);
    const report: Report = {
      machine: { ...machine, loadAfter: machineInfo().loadBefore }, rows, startupMs: median(startupMs), firstStartMs, workers,
      settings: { seconds: SECONDS, runs: RUNS, warmupSeconds: WARMUP_SECONDS, connections: CONNECTIONS, taskset: HAS_TASKSET },
      totalSeconds: (performance.now() - started) / 1000,
    };
    process.stdout.write(`${renderTable(report)}\n`);
    if (!env.BENCH_NO_DOCS && !ONLY && !SERVERS) {
      const docs = 'docs/benchmarks.md';
      writeFileSync(docs, renderMarkdown(report, existsSync(docs) ? readFileSync(docs, 'utf8') : ''));
      log('wrote docs/benchmarks.md');
    }
  } finally {
    for (const p of procs) await p.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Workload 1 on `pixie serve --workers 2` against one process, when the flag exists. */
async function workersComparison(loadgen: BenchProcess, importFile: string, dataDir: string, rows: Row[]): Promise<Report['workers']> {
  const single = rows.find((r) => r.workload === 'w1' && r.server === 'pixie');
  if (!workersAvailable()) {
    log('pixie serve --workers: not available');
    return { available: false, single: single?.rate ?? null, rate: null };
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Two workers need both cores; the load generator shares the second one.
  const proc = await startProcess({ name: 'pixie --workers 2', args: pixieArgs(importFile, dataDir, port, ['--workers', '2']), cpu: '0,1', readyUrl: `${url}/readyz` });
  try {
    // Only Pixie runs here; the other entries are never used by its w1 plan.
    const none = { url: '', cookie: '' };
    const servers = { pixie: { url, cookie: await pixieSession(url) }, oidc: none, ceiling: none } as unknown as Servers;
    const w1 = workloads(servers, { pixieOpaque: '', oidcOpaque: '' }, async (job) => (await loadgen.request<{ result: JobResult }>({ type: 'run', job }, 'result')).result)
      .find((w) => w.id === 'w1')!;
    const [row] = await interleaved(loadgen, w1, [{ server: 'pixie', plan: w1.plans.pixie!, proc }]);
    return { available: true, single: single?.rate ?? null, rate: row.rate };
  } finally {
    await proc.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
