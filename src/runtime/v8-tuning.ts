/**
 * V8 flags that keep the server's memory small (issue 8: < 150 MB peak under load; 205-225 MB
 * with V8's defaults): the young generation keeps its initial size instead of growing to 16 MB
 * semi-spaces, and the old generation grows by 20 % between full collections instead of
 * doubling. V8 reads both at each collection, so setting them at run time works.
 *
 * Applied by the `pixie` executable only (bin/pixie.mjs), never by importing Pixie as a library.
 * PIXIE_NODE_TUNING=off keeps V8's defaults.
 */
import v8 from 'node:v8';

const FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=20'];

let applied = false;

export function applyV8Tuning(): void {
  if (process.env.PIXIE_NODE_TUNING === 'off') return;
  for (const flag of FLAGS) v8.setFlagsFromString(flag);
  applied = true;
}

/**
 * Starting a worker thread undoes these heap-sizing flags (seen on Node 20: the young
 * generation grew to 32 MB once the WAL checkpointer thread was online; setting them again
 * right after `new Worker` is too early), so whoever starts one calls this once it is online.
 */
export function reapplyV8Tuning(): void {
  if (applied) applyV8Tuning();
}
