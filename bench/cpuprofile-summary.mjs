// Summarise a V8 .cpuprofile (from `BENCH_PIXIE_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" npm run bench`):
// self time by function and by file or package, busy time only (idle excluded).
//   node bench/cpuprofile-summary.mjs DIR/CPU.….cpuprofile [requests handled, for µs per request]
import { readFileSync } from 'node:fs';

const [file, requestsArg] = process.argv.slice(2);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const requests = Number(requestsArg ?? 0);
const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
const byFunction = new Map();
const byFile = new Map();
let busy = 0;
const add = (map, key, t) => map.set(key, (map.get(key) ?? 0) + t);
for (let i = 0; i < prof.samples.length; i++) {
  const { callFrame } = nodes.get(prof.samples[i]);
  const t = prof.timeDeltas[i] ?? 0;
  if (callFrame.functionName === '(idle)') continue;
  busy += t;
  const where = callFrame.url.replace(/^.*node_modules\//, 'nm:').replace(/^file:\/\/.*?\/(dist|src)\//, '$1/');
  add(byFunction, `${callFrame.functionName || '(anonymous)'} ${where}:${callFrame.lineNumber}`, t);
  const pkg = where.startsWith('nm:') ? where.split('/').slice(0, where.startsWith('nm:@') ? 2 : 1).join('/') : where || callFrame.functionName;
  add(byFile, pkg, t);
}
const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n)
  .map(([k, t]) => `${((100 * t) / busy).toFixed(1).padStart(5)}%${requests ? `${(t / requests).toFixed(1).padStart(8)} µs/req` : ''}  ${k}`).join('\n');
console.log(`busy ${(busy / 1e6).toFixed(2)} s\n--- self time by function\n${top(byFunction, 40)}\n--- by file or package\n${top(byFile, 25)}`);
