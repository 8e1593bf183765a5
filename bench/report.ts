/** The bench table (terminal and docs/benchmarks.md) and the performance targets checked against it. */
import type { MachineInfo } from './machine.js';
import type { ServerName } from './workloads.js';

export interface Row {
  workload: string;
  title: string;
  unit: string;
  server: ServerName;
  /** Median of the measured runs. */
  rate: number;
  runs: number[];
  p50: number;
  p99: number;
  successPct: number;
  peakRssMb: number | null;
  problems: string[];
  /** Successful requests (or flows) over all measured runs. */
  requests: number;
  /** Server CPU time (user + system) per successful request or flow, median of the runs. */
  cpuUsPerOp: number;
}

export interface Report {
  machine: MachineInfo & { loadAfter: string };
  rows: Row[];
  /** Median start-up of `pixie serve` to /readyz on an existing database, and the first start. */
  startupMs: number;
  firstStartMs: number;
  workers: { available: boolean; single: number | null; rate: number | null };
  settings: { seconds: number; runs: number; warmupSeconds: number; connections: number; taskset: boolean };
  totalSeconds: number;
}

const NAMES: Record<ServerName, string> = { pixie: 'Pixie', oidc: 'node-oidc-provider', ceiling: 'Fastify ceiling' };

function find(rows: Row[], workload: string, server: ServerName): Row | undefined {
  return rows.find((r) => r.workload === workload && r.server === server);
}

function ceilingOf(rows: Row[], workload: string): Row | undefined {
  const ceiling = { w1: 'post', w2: 'post', w3: 'post', w3d: 'post', w4: 'post', w6a: 'get', w6b: 'get' }[workload];
  return ceiling ? find(rows, `ceiling-${ceiling}`, 'ceiling') : undefined;
}

function ratio(a: Row | undefined, b: Row | undefined): number | null {
  return a && b && b.rate > 0 ? a.rate / b.rate : null;
}

/** The same ratio from CPU time per request: what each server would do on a core of its own. */
function cpuRatio(a: Row | undefined, b: Row | undefined): number | null {
  return a && b && a.cpuUsPerOp > 0 && Number.isFinite(b.cpuUsPerOp) ? b.cpuUsPerOp / a.cpuUsPerOp : null;
}

const both = (r: number | null, c: number | null, digits = 2, suffix = '×') =>
  r === null ? '–' : `${r.toFixed(digits)}${suffix} (CPU ${c === null ? '–' : `${c.toFixed(digits)}${suffix}`})`;

const fmt = (x: number | null, digits = 2, suffix = '') => (x === null ? '–' : `${x.toFixed(digits)}${suffix}`);

function tableRows(rows: Row[]): string[][] {
  return rows.map((r) => {
    const pixie = r.server === 'pixie';
    return [
      r.workload.startsWith('ceiling') ? r.title : r.title.split(':')[0]!.replace(/,.*$/, ''), NAMES[r.server], `${r.rate.toFixed(0)} ${r.unit}`,
      `${r.p50}`, `${r.p99}`, r.cpuUsPerOp.toFixed(0), fmt(r.peakRssMb, 0), `${r.successPct.toFixed(2)}%`,
      pixie ? both(ratio(r, find(rows, r.workload, 'oidc')), cpuRatio(r, find(rows, r.workload, 'oidc'))) : '',
      pixie ? both(ratio(r, ceilingOf(rows, r.workload)), cpuRatio(r, ceilingOf(rows, r.workload)), 2, '') : '',
    ];
  });
}

const HEADER = ['workload', 'server', 'throughput', 'p50 ms', 'p99 ms', 'CPU µs/op', 'peak RSS MB', 'success', 'Pixie ÷ oidc-provider', 'Pixie ÷ ceiling'];

interface Target { text: string; value: string; met: boolean | null }

export function targets(report: Report): Target[] {
  const { rows } = report;
  const out: Target[] = [];
  for (const w of ['w1', 'w2', 'w3']) {
    const [a, b] = [find(rows, w, 'pixie'), find(rows, w, 'oidc')];
    const r = ratio(a, b);
    out.push({ text: `workload ${w.slice(1)}: Pixie ≥ 3× node-oidc-provider`, value: both(r, cpuRatio(a, b)), met: r === null ? null : r >= 3 });
  }
  // DPoP (RFC 9449) has no target of its own: its ratio is shown next to workload 3's.
  const [p3d, o3d] = [find(rows, 'w3d', 'pixie'), find(rows, 'w3d', 'oidc')];
  out.push({ text: 'workload 3d (client_credentials + DPoP): Pixie ÷ node-oidc-provider', value: both(ratio(p3d, o3d), cpuRatio(p3d, o3d)), met: null });
  const [p4, o4, c4] = [find(rows, 'w4', 'pixie'), find(rows, 'w4', 'oidc'), ceilingOf(rows, 'w4')];
  const w4 = ratio(p4, o4);
  out.push({ text: 'workload 4: Pixie ≥ 2.5× node-oidc-provider', value: both(w4, cpuRatio(p4, o4)), met: w4 === null ? null : w4 >= 2.5 });
  const pct = (x: number | null) => (x === null ? null : x * 100);
  const w4c = ratio(p4, c4);
  out.push({ text: 'workload 4: ≥ 70 % of the ceiling', value: both(pct(w4c), pct(cpuRatio(p4, c4)), 0, ' %'), met: w4c === null ? null : w4c >= 0.7 });
  const [p1, c1] = [find(rows, 'w1', 'pixie'), ceilingOf(rows, 'w1')];
  const w1c = ratio(p1, c1);
  out.push({ text: 'workload 1: ≥ 50 % of the ceiling (durable SQLite)', value: both(pct(w1c), pct(cpuRatio(p1, c1)), 0, ' %'), met: w1c === null ? null : w1c >= 0.5 });
  const rss = Math.max(...rows.filter((r) => r.server === 'pixie').map((r) => r.peakRssMb ?? 0));
  out.push({ text: 'Pixie peak RSS < 150 MB', value: `${rss.toFixed(0)} MB`, met: rss < 150 });
  out.push({ text: 'start-up to /readyz < 1 s (existing database)', value: `${report.startupMs.toFixed(0)} ms`, met: report.startupMs < 1000 });
  const { workers } = report;
  out.push({
    text: '`--workers 2` on workload 1 vs 1 process',
    value: workers.available ? `${fmt(workers.rate, 0)} vs ${fmt(workers.single, 0)} req/s` : 'not available (`pixie serve --workers` does not exist yet)',
    met: null,
  });
  return out;
}

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

export function renderTable(report: Report): string {
  const lines = [pad([HEADER, ...tableRows(report.rows)]), ''];
  for (const t of targets(report)) lines.push(`${t.met === null ? ' ' : t.met ? '✔' : '✘'} ${t.text}: ${t.value}`);
  const problems = report.rows.filter((r) => r.problems.length);
  for (const r of problems) lines.push(`PROBLEM ${r.workload} ${NAMES[r.server]}: ${r.problems.join('; ')}`);
  lines.push(`start-up: first start (new database) ${report.firstStartMs.toFixed(0)} ms; restart on the existing database ${report.startupMs.toFixed(0)} ms (median of 3)`);
  lines.push(`bench took ${report.totalSeconds.toFixed(0)} s`);
  return lines.join('\n');
}

/** Everything after this line in docs/benchmarks.md is written by hand and kept by each run. */
export const NOTES_MARKER = '<!-- Notes below this line are written by hand; npm run bench keeps them. -->';

export function renderMarkdown(report: Report, previous = ''): string {
  const at = previous.indexOf(NOTES_MARKER);
  const notes = at >= 0 ? previous.slice(at) : `${NOTES_MARKER}\n`;
  return `${renderResults(report)}\n${notes}`;
}

function renderResults(report: Report): string {
  const m = report.machine;
  const s = report.settings;
  const md = (cells: string[][]) => cells.map((row) => `| ${row.join(' | ')} |`).join('\n');
  const titles = [...new Map(report.rows.map((r) => [r.workload, r.title])).entries()];
  return `# Benchmarks

Written by \`npm run bench\` (bench/run.ts). Latest run: **${m.date}**, commit \`${m.commit}\`.

## Machine

- CPU: ${m.cpuModel}, \`nproc\` = ${m.nproc}; Node ${m.node}
- Load average (1, 5, 15 min) before: ${m.loadBefore}; after: ${m.loadAfter}. The machine is shared: absolute
  numbers drift 20–40 % between minutes, so compare the ratios, which come from one run.
- Packages: ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')}

## How

- Three servers, each a single process${s.taskset ? ' pinned to core 0 (`taskset -c 0`)' : ' (taskset not available: not pinned)'}:
  Pixie (\`pixie serve\` from dist/, embedded SQLite in WAL mode, \`--log-level warn\`), node-oidc-provider
  (bench/oidc-server.mjs: in-memory adapter, the same clients, one ES256 key, PKCE S256, opaque or JWT access
  tokens per resource server) and the ceiling (bench/ceiling-server.mjs: bare Fastify, a POST route that only
  parses a ~200-byte form and answers a small JSON, and a GET route answering a small JSON).
- The load generator is autocannon in its own process${s.taskset ? ' pinned to core 1' : ''}, ${s.connections} connections,
  127.0.0.1 only. Per workload: two warm-ups of each server (${s.warmupSeconds} s each; a code workload's first is ${s.connections * 100} codes), then ${s.runs}
  rounds of runs of about ${s.seconds} s, each round running every server once in turn (so a noisy minute
  on the shared machine falls on all servers alike); the table shows the medians.
- Code workloads send every code once: codes are minted before each run (Pixie: through its own authorize
  endpoint with a signed-in session and remembered consent; node-oidc-provider: through its models inside its
  process) and the run sends exactly that many requests. After each run, replaying 5 of its codes must answer
  \`invalid_grant\`. A response only counts as a success with the expected status *and* body
  (\`access_token\`, \`"active":true\`, …): a fast error is not a result.
- Peak RSS is the server's \`VmHWM\` after the workload (it only grows over the run).
- CPU µs/op is the server process's CPU time (user + system, all threads, from \`/proc/<pid>/stat\`) during
  the measured runs divided by the successful requests (flows for workload 5): unlike req/s it does not
  depend on what else the shared machine runs, so the ratios are also given from it ("CPU"). Targets are
  judged on req/s.

## Results

${titles.map(([id, title]) => `- **${id}**: ${title}`).join('\n')}

${md([HEADER, HEADER.map(() => '---'), ...tableRows(report.rows)])}

Runs (req/s or flows/s): ${report.rows.map((r) => `${r.workload}/${r.server} ${r.runs.map((x) => x.toFixed(0)).join(', ')}`).join('; ')}.

## Targets

${targets(report).map((t) => `- ${t.met === null ? '' : t.met ? '✔ ' : '✘ '}${t.text}: ${t.value}`).join('\n')}

Start-up of \`pixie serve\` to a 200 from \`/readyz\` (spawn included, with the same \`--import\` file applied):
first start on a new database ${report.firstStartMs.toFixed(0)} ms; restart on the existing database ${report.startupMs.toFixed(0)} ms (median of 3).
${report.rows.some((r) => r.problems.length) ? `\n## Problems seen\n\n${report.rows.filter((r) => r.problems.length).map((r) => `- ${r.workload} ${NAMES[r.server]}: ${r.problems.join('; ')}`).join('\n')}\n` : ''}
The whole bench took ${report.totalSeconds.toFixed(0)} s.
`;
}
