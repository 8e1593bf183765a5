/** Temporary folders for one test file, removed when the file's tests are done. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  after(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
