/**
 * The executable's memory tuning (src/runtime/v8-tuning.ts) survives the WAL checkpointer
 * thread: starting a worker thread resets V8's flags, which let the young generation grow
 * to 32 MB again (peak RSS over the 150 MB budget of issue 8).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pixie-v8-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A server-like process: tuning applied first, then a file database with its checkpointer
// thread, then short-lived garbage with a working set, as requests make.
const SCRIPT = `
import v8 from 'node:v8';
import { applyV8Tuning } from './src/runtime/v8-tuning.ts';
import { openSqlite } from './src/storage/sqlite.ts';
import { startCheckpointer } from './src/storage/sqlite-checkpoint.ts';
applyV8Tuning();
openSqlite(process.env.DB_FILE).close();
const checkpointer = startCheckpointer(process.env.DB_FILE, 0);
const alive = setInterval(() => {}, 1000); // the checkpointer's start timer does not hold the process
await checkpointer.online;
clearInterval(alive);
let live = [];
for (let i = 0; i < 3_000_000; i++) {
  live.push({ i, s: 'x' + i });
  if (live.length > 20_000) live = [];
}
const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
await checkpointer.stop();
console.log(JSON.stringify({ youngMb: young.space_size / 1048576 }));
`;

function youngGenerationMb(tuning: 'on' | 'off', file: string): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
    cwd: ROOT, encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, DB_FILE: join(dir, file), PIXIE_NODE_TUNING: tuning },
  });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { youngMb: number }).youngMb;
}

describe('V8 memory tuning', () => {
  it('keeps the young generation small after the checkpointer thread starts', () => {
    assert.ok(youngGenerationMb('on', 'on.db') <= 4, 'young generation stays at its initial size');
  });

  it('the same work without tuning grows the young generation (the check can fail)', () => {
    assert.ok(youngGenerationMb('off', 'off.db') > 4);
  });
});
