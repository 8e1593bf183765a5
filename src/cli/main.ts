/** The `pixie` command. The only module that reads argv and calls process.exit. */
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/load.js';
import { ImportError } from '../import/validate.js';
import { pkceCommand, UsageError } from './pkce.js';
import { TOKEN_HELP } from './token/help.js';

// Each command's module is loaded when it runs: `pixie serve` starts faster without the
// client-side code of `pixie token` (jose, the loopback listener) or `pixie admin`.

const HELP = `pixie — OAuth 2.1 / OpenID Connect authorization server

Usage:
  pixie serve [--dev] [--port 8080] [--host 127.0.0.1] [--data .pixie] [--import FILE]
              [--public-url URL] [--tls-cert FILE --tls-key FILE] [--log-level info]
              [--workers N|auto]
  pixie pkce [--length 64] [--json]
${TOKEN_HELP}  pixie admin RESOURCE ACTION …   (tenants, clients, secrets, users; see pixie admin help)
  pixie help

Environment: DATABASE_URL (postgres://… for PostgreSQL), PIXIE_DATA_DIR, PIXIE_PUBLIC_URL,
PIXIE_PORT, PIXIE_HOST, PIXIE_LOG_LEVEL, PIXIE_IMPORT, PIXIE_TRUST_PROXY, PIXIE_WORKERS, PIXIE_SERVER_CACHE_SIZE.
Several processes (--workers, or several hosts) should share PostgreSQL: see docs/deployment.md.
`;

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest, strict: true,
        options: {
          dev: { type: 'boolean' }, port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' },
          import: { type: 'string' }, 'public-url': { type: 'string' }, 'tls-cert': { type: 'string' },
          'tls-key': { type: 'string' }, 'log-level': { type: 'string' }, workers: { type: 'string' },
        },
      });
      const { serve } = await import('./serve.js');
      return serve(values);
    }
    case 'pkce': {
      const { values } = parseArgs({ args: rest, strict: true, options: { length: { type: 'string' }, json: { type: 'boolean' } } });
      process.stdout.write(`${pkceCommand(values)}\n`);
      return;
    }
    case 'token': {
      const { tokenCommand } = await import('./token.js');
      process.exitCode = await tokenCommand(rest);
      return;
    }
    case 'admin': {
      const { adminCommand } = await import('./admin.js');
      return adminCommand(rest, process.env, (text) => process.stdout.write(`${text.replace(/\n$/, '')}\n`));
    }
    case undefined: case 'help': case '--help': case '-h':
      process.stdout.write(HELP);
      return;
    default:
      throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
  }
}

run(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`pixie: configuration problems:\n  ${err.problems.join('\n  ')}\n`);
  else if (err instanceof ImportError) process.stderr.write(`pixie: ${err.message}\n`);
  else if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`pixie: ${(err as Error).message}\n`);
  } else process.stderr.write(`pixie: ${(err as Error).message ?? err}\n`);
  process.exit(2);
});
