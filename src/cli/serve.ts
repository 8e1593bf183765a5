/** `pixie serve`: start the server, print how to use it, stop gracefully on SIGTERM/SIGINT. */
import cluster from 'node:cluster';
import { createServer } from 'node:net';
import { loadConfig, type ServeFlags } from '../config/load.js';
import { startPurgeJob } from '../jobs/purge.js';
import { createPixie } from '../server.js';
import { runPrimary, workerSlot } from './cluster.js';
import { onShutdownSignals } from './shutdown.js';
import { devBanner, systemAdminBanner } from './banner.js';
import { devImport } from './dev-tenant.js';
import { UsageError } from './pkce.js';

/** A port the OS considers free on `host` (asked by binding port 0 and letting go). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

export async function serve(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config = loadConfig(flags, env);
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config);
  if (config.dev && !config.publicUrl) {
    // --dev --port 0: the demo tenant's redirect URIs need the public URL before the server
    // listens, so choose the port now and derive the URL from it as for any other port.
    config = loadConfig({ ...flags, port: String(await freePort(config.host)) }, env);
  }
  const started = Date.now();
  const slot = workerSlot();
  const pixie = await createPixie(config, { imports: config.dev ? [devImport(config.publicUrl)] : [] });
  const url = await pixie.listen().catch(async (err: NodeJS.ErrnoException) => {
    await pixie.close();
    // Created just now and stored as a hash only: show it even though this start failed.
    const { generatedSecret, clientId } = pixie.systemAdmin;
    if (generatedSecret) process.stdout.write(systemAdminBanner(config.publicUrl, clientId, generatedSecret));
    throw err.code === 'EADDRINUSE'
      ? new UsageError(`port ${config.port} on ${config.host} is already in use (another Pixie?); choose another with --port N (or PIXIE_PORT)`)
      : err;
  });
  pixie.app.log.info({ storage: pixie.db.describe, url, ms: Date.now() - started, ...(slot !== null ? { worker: slot } : {}) }, 'Pixie is ready');
  if (config.dev && (slot ?? 0) === 0) process.stdout.write(devBanner(url));
  // PostgreSQL: every process schedules the purge and an advisory lock picks one runner.
  // SQLite has no such lock: only a single process, or the cluster worker in slot 0, runs it.
  const purge = config.databaseUrl || (slot ?? 0) === 0
    ? startPurgeJob(pixie.deps.stores, pixie.deps.clock, {
      onResult: (counts) => { if (Object.values(counts).some((n) => n > 0)) pixie.app.log.info({ purged: counts }, 'purged expired rows'); },
      onError: (err) => pixie.app.log.warn({ err }, 'purge failed; retrying at the next interval'),
    })
    : null;
  const { generatedSecret, clientId } = pixie.systemAdmin;
  if (generatedSecret) {
    // Printed once, never logged: only its hash is stored.
    process.stdout.write(systemAdminBanner(url, clientId, generatedSecret));
  }
  onShutdownSignals({
    server: pixie.app.server, log: pixie.app.log,
    close: async () => { await purge?.stop(); await pixie.close(); },
  }, config.shutdownGrace);
}
