/** The `pixie` executable: runs the command (run.ts) on this process. The only module that exits. */
import { main } from './run.js';

void main(process.argv.slice(2)).then((status) => {
  // A failure exits at once: a half-started server may hold handles (a pool, a timer) open.
  if (status === 2) process.exit(2);
  process.exitCode = status;
});
