/** `pixie serve`: start the server, print how to use it, stop gracefully on SIGTERM/SIGINT. */
import cluster from 'node:cluster';
import { createServer } from 'node:net';
import { loadConfig, type ServeFlags } from '../config/load.js';
import { startPurgeJob } from '../jobs/purge.js';
import { createPixie } from '../server.js';
import { runPrimary, workerSlot } from './cluster.js';
import { onShutdownSignals } from './shutdown.js';
import { DEV_ADMIN_SECRET, DEV_CONFIDENTIAL_SECRET, devImport } from './dev-tenant.js';

function devBanner(url: string): string {
  const issuer = `${url}/default/default`;
  const authorize = `${issuer}/oauth2/authorize?response_type=code&client_id=client-pkce`
    + '&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&scope=openid%20profile%20offline_access&state=demo'
    + '&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256';
  return [
    '',
    'Pixie is running in --dev mode with a demo tenant (do not use these credentials in production):',
    `  issuer              ${issuer}`,
    `  discovery           ${issuer}/.well-known/openid-configuration`,
    '  user                user / user',
    '  public PKCE client  client-pkce (redirect http://127.0.0.1/callback)',
    `  confidential client client-confidential / ${DEV_CONFIDENTIAL_SECRET}`,
    `  admin client        admin-swagger / ${DEV_ADMIN_SECRET} (tenant admin server)`,
    '',
    'Try it: open this URL, sign in as user/user and approve; the browser then goes to',
    'http://127.0.0.1/callback?code=… (nothing listens there: copy the code from the address bar).',
    `  ${authorize}`,
    'Then exchange the code (the verifier matches the challenge above, RFC 7636 appendix B):',
    `  curl -s ${issuer}/oauth2/token -d grant_type=authorization_code -d client_id=client-pkce \\`,
    '    -d redirect_uri=http://127.0.0.1/callback -d code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk -d code=CODE',
    '',
  ].join('\n');
}

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

export async function serve(flags: ServeFlags): Promise<void> {
  let config = loadConfig(flags, process.env);
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config);
  if (config.dev && !config.publicUrl) {
    // --dev --port 0: the demo tenant's redirect URIs need the public URL before the server
    // listens, so choose the port now and derive the URL from it as for any other port.
    config = loadConfig({ ...flags, port: String(await freePort(config.host)) }, process.env);
  }
  const started = Date.now();
  const slot = workerSlot();
  const pixie = await createPixie(config, { imports: config.dev ? [devImport(config.publicUrl)] : [] });
  const url = await pixie.listen();
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
    // Printed once, never logged: only its hash is stored (SPEC §8).
    process.stdout.write(`\nSystem admin client created (manages tenants; shown once, store it now):\n  ${clientId} / ${generatedSecret}\n`
      + `  token: POST ${url}/system/admin/oauth2/token grant_type=client_credentials scope=manage_configuration\n\n`);
  }
  onShutdownSignals({
    server: pixie.app.server, log: pixie.app.log,
    close: async () => { await purge?.stop(); await pixie.close(); },
  }, config.shutdownGrace);
}
