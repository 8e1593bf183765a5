/**
 * Composition root: open storage, ensure the default tenant, apply imports, build the app.
 * Used by `pixie serve` and by tests, which start real servers on random loopback ports.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { ensureSystemTenant, type SystemBootstrap } from './admin/tenants.js';
import { buildApp } from './app.js';
import type { Config } from './config/schema.js';
import { systemClock, type CoreDeps } from './core/deps.js';
import { ServerDirectory } from './core/directory.js';
import type { Clock } from './core/ports.js';
import { applyImport, ensureDefaults, type ImportSummary } from './import/apply.js';
import type { ImportFileData } from './import/schema.js';
import { validateImport } from './import/validate.js';
import { openDatabase, type Database } from './storage/database.js';

export interface StartOptions {
  clock?: Clock;
  /** ':memory:' for tests that need no file. */
  sqliteFile?: string;
  /** Import documents applied after the import file (the --dev demo, test fixtures). */
  imports?: ImportFileData[];
  logStream?: NodeJS.WritableStream;
  /** Secret of the system admin client; default PIXIE_ADMIN_CLIENT_SECRET, else generated on first start. */
  adminClientSecret?: string;
}

export interface Pixie {
  app: FastifyInstance;
  db: Database;
  deps: CoreDeps;
  /** The public URL (set by listen when not configured). */
  url: string;
  imported: ImportSummary[];
  /** The system admin client; `generatedSecret` is set on the first start only, to be printed once. */
  systemAdmin: SystemBootstrap;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export function readImportFile(path: string): ImportFileData {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read import file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return validateImport(doc);
}

export async function createPixie(config: Config, opts: StartOptions = {}): Promise<Pixie> {
  const clock = opts.clock ?? systemClock;
  const imports = [...(config.importFile ? [readImportFile(config.importFile)] : []), ...(opts.imports ?? [])];
  const db = await openDatabase({
    databaseUrl: config.databaseUrl ?? undefined, dataDir: config.dataDir, sqliteFile: opts.sqliteFile, sqliteSynchronous: config.sqliteSynchronous,
    secretsKeys: config.secretsKeys,
  });
  const imported: ImportSummary[] = [];
  let systemAdmin!: SystemBootstrap;
  try {
    await db.serialized(async () => {
      await ensureDefaults(db.stores, clock.now());
      systemAdmin = await ensureSystemTenant(db.stores, clock.now(), opts.adminClientSecret ?? config.adminClientSecret ?? undefined);
      for (const doc of imports) imported.push(await applyImport(db.stores, validateImport(doc), clock.now()));
    });
  } catch (err) {
    await db.stores.close();
    throw err;
  }
  const deps: CoreDeps = {
    stores: db.stores, clock, publicUrl: config.publicUrl.replace(/\/$/, ''),
    directory: new ServerDirectory(db.stores, clock, () => deps.publicUrl, config.serverCacheSize),
  };
  const https = config.tlsCert && config.tlsKey ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : null;
  const app = await buildApp({ config, deps, https, logStream: opts.logStream, poolStats: db.executor.poolStats?.bind(db.executor) });
  for (const warning of db.warnings) app.log.warn(warning);
  const { secrets } = db;
  if (secrets.created) app.log.warn(`made a secrets key in ${secrets.file}: it encrypts the signing keys; back it up with the database (docs/security.md)`);
  if (secrets.reencrypted) app.log.info(`${secrets.reencrypted} signing key(s) re-encrypted to secrets key ${secrets.keyring.ids[0]}`);
  const pixie: Pixie = {
    app, db, deps, url: deps.publicUrl, imported, systemAdmin,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      if (!deps.publicUrl) {
        const address = app.server.address();
        const port = typeof address === 'object' && address ? address.port : config.port;
        const host = config.host.includes(':') ? `[${config.host}]` : config.host;
        deps.publicUrl = `${https ? 'https' : 'http'}://${host}:${port}`;
        config.publicUrl = deps.publicUrl;
      }
      pixie.url = deps.publicUrl;
      return deps.publicUrl;
    },
    async close() {
      await app.close();
      await db.stores.close();
    },
  };
  return pixie;
}
