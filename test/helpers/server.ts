/** Start a real Pixie on a random loopback port with its own SQLite database in a temp folder. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, type Config } from '../../src/config/schema.js';
import type { Clock } from '../../src/core/ports.js';
import type { ImportFileData } from '../../src/import/schema.js';
import { createPixie, type Pixie, type StartOptions } from '../../src/server.js';
import { FIXTURE } from './fixture.js';
import { createTestSchema, PG_URL, type TestSchema } from './postgres.js';

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
  /** Fetcher of client ID metadata documents (else the default one). */
  clientDocuments?: StartOptions['clientDocuments'];
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  // A caller-provided data folder is the caller's to remove (restart tests reuse it).
  const ownData = !opts.config?.dataDir;
  const dataDir = opts.config?.dataDir ?? mkdtempSync(join(tmpdir(), 'pixie-test-'));
  // PIXIE_TEST_STORAGE=postgres runs every test server on a fresh PostgreSQL schema instead
  // (not servers that reuse a caller's data folder: those restart on the same database).
  const schema: TestSchema | null = process.env.PIXIE_TEST_STORAGE === 'postgres' && PG_URL && ownData && !opts.config?.databaseUrl
    ? await createTestSchema() : null;
  const config: Config = {
    // Password hashes at 2^14 (not the default 2^17) keep the suite fast.
    ...DEFAULT_CONFIG, port: 0, dataDir, logLevel: 'silent', publicUrl: '', passwordHashCost: 14, ...(schema ? { databaseUrl: schema.url } : {}), ...opts.config,
  };
  const pixie = await createPixie(config, { imports: opts.imports ?? [FIXTURE], clock: opts.clock, logStream: opts.logStream, adminClientSecret: opts.adminClientSecret, clientDocuments: opts.clientDocuments });
  await pixie.listen();
  const close = pixie.close.bind(pixie);
  return Object.assign(pixie, {
    issuer: `${pixie.url}/default/default`,
    dataDir,
    async close() {
      await close();
      if (ownData) rmSync(dataDir, { recursive: true, force: true });
      await schema?.drop();
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
