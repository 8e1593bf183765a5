// Self (or inclusive) time of a V8 .cpuprofile restricted to the 50 ms windows in which the function
// `want` runs and `avoid` does not: a code-exchange workload's profile without the minting phases.
//   node bench/cpuprofile-phase.mjs FILE [want=handleTokenRequest] [avoid=handleAuthorize] [self|incl]
import { readFileSync } from 'node:fs';
const [file, want = 'handleTokenRequest', avoid = 'handleAuthorize', mode = 'self'] = process.argv.slice(2);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const stackHas = (id, name) => { for (let p = id; p; p = parent.get(p)) if (nodes.get(p).callFrame.functionName === name) return true; return false; };
const W = 50000; // 50 ms windows
let t = prof.startTime; const win = new Map();
const times = prof.samples.map((id, i) => (t += prof.timeDeltas[i] ?? 0));
prof.samples.forEach((id, i) => { const w = Math.floor(times[i] / W); const s = win.get(w) ?? { want: 0, avoid: 0 }; if (stackHas(id, want)) s.want++; if (stackHas(id, avoid)) s.avoid++; win.set(w, s); });
const good = new Set([...win].filter(([, s]) => s.want > 0 && s.avoid === 0).map(([w]) => w));
const self = new Map(); const incl = new Map(); let busy = 0;
prof.samples.forEach((id, i) => {
  if (!good.has(Math.floor(times[i] / W))) return;
  const n = nodes.get(id); if (n.callFrame.functionName === '(idle)') return;
  const d = prof.timeDeltas[i] ?? 0; busy += d;
  const name = (f) => `${f.functionName || 'anon'} ${f.url.replace(/^.*node_modules\//, 'nm:').replace(/^file:\/\/.*?\/(dist|src)\//, '$1/')}:${f.lineNumber}`;
  self.set(name(n.callFrame), (self.get(name(n.callFrame)) ?? 0) + d);
  const seen = new Set();
  for (let p = id; p; p = parent.get(p)) { const k = name(nodes.get(p).callFrame); if (seen.has(k)) continue; seen.add(k); incl.set(k, (incl.get(k) ?? 0) + d); }
});
console.log('windows', good.size, 'busy', (busy / 1e6).toFixed(2), 's');
const m = mode === 'self' ? self : incl;
for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 70)) console.log((100 * v / busy).toFixed(1).padStart(6) + '%', k);
