/** Start a real Pixie on a random loopback port with its own SQLite database in a temp folder. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, type Config } from '../../src/config/schema.js';
import type { Clock } from '../../src/core/ports.js';
import type { ImportFileData } from '../../src/import/schema.js';
import { createPixie, type Pixie } from '../../src/server.js';
import { FIXTURE } from './fixture.js';

export interface TestServer extends Pixie {
  /** `${url}/default/default` */
  issuer: string;
  dataDir: string;
}

export interface TestServerOptions {
  imports?: ImportFileData[];
  clock?: Clock;
  config?: Partial<Config>;
  logStream?: NodeJS.WritableStream;
  /** Secret of the system admin client (else generated, see Pixie.systemAdmin). */
  adminClientSecret?: string;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  // A caller-provided data folder is the caller's to remove (restart tests reuse it).
  const ownData = !opts.config?.dataDir;
  const dataDir = opts.config?.dataDir ?? mkdtempSync(join(tmpdir(), 'pixie-test-'));
  const config: Config = { ...DEFAULT_CONFIG, port: 0, dataDir, logLevel: 'silent', publicUrl: '', ...opts.config };
  const pixie = await createPixie(config, { imports: opts.imports ?? [FIXTURE], clock: opts.clock, logStream: opts.logStream, adminClientSecret: opts.adminClientSecret });
  await pixie.listen();
  const close = pixie.close.bind(pixie);
  return Object.assign(pixie, {
    issuer: `${pixie.url}/default/default`,
    dataDir,
    async close() {
      await close();
      if (ownData) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/** A clock tests can move. */
export class TestClock implements Clock {
  constructor(public seconds = Math.floor(Date.now() / 1000)) {}
  now(): number {
    return this.seconds;
  }
  advance(s: number): void {
    this.seconds += s;
  }
}
