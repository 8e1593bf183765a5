/**
 * The `pixie` command as a function: argv and an output pair in, an exit status out. main.ts
 * runs it on the real process; tests call it in-process where the process itself is not tested.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/load.js';
import { pkceCommand, UsageError } from './pkce.js';
import { TOKEN_HELP } from './token/help.js';

// Each command's module is loaded when it runs: `pixie serve` starts faster without the
// client-side code of `pixie token` (jose, the loopback listener) or `pixie admin`.

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** What `pixie token --paste` reads (standard input unless given). */
  stdin?: NodeJS.ReadableStream;
  /** Whether `err` writes to a terminal (`pixie token --device` then draws a QR code and a progress line). */
  errIsTTY?: boolean;
}

export const processIO: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  errIsTTY: process.stderr.isTTY === true,
};

const SERVE_USAGE = `  pixie serve [--dev] [--port 8080] [--host 127.0.0.1] [--data .pixie] [--import FILE]
              [--public-url URL] [--tls-cert FILE --tls-key FILE] [--log-level info]
              [--workers N|auto]
`;

export const HELP = `pixie — OAuth 2.1 / OpenID Connect authorization server

Usage:
${SERVE_USAGE}  pixie pkce [--length 64] [--json]
${TOKEN_HELP}  pixie admin RESOURCE ACTION …   (tenants, clients, secrets, api-keys, users, system-admin)
  pixie import --check FILE | --schema   validate an import file, or print its JSON Schema
  pixie secrets-key generate | rotate     the key that encrypts signing keys at rest
  pixie COMMAND --help             usage of one command
  pixie --version

Environment: DATABASE_URL (postgres://… for PostgreSQL), PIXIE_DATA_DIR, PIXIE_PUBLIC_URL,
PIXIE_PORT, PIXIE_HOST, PIXIE_LOG_LEVEL, PIXIE_IMPORT, PIXIE_TRUST_PROXY, PIXIE_WORKERS, PIXIE_SERVER_CACHE_SIZE,
PIXIE_SECRETS_KEY;
every one is in docs/configuration.md.
Several processes (--workers, or several hosts) should share PostgreSQL: see docs/deployment.md.
`;

const SERVE_HELP = `pixie serve — run the authorization server

Usage:
${SERVE_USAGE}
Options (environment variable in brackets):
  --dev                  load a demo tenant (user/user, demo clients) and print how to get a token
  --port N               port to listen on (PIXIE_PORT; default 8080; 0 = any free port)
  --host H               interface to listen on (PIXIE_HOST; default 127.0.0.1)
  --data DIR             folder of the embedded SQLite database (PIXIE_DATA_DIR; default ./.pixie);
                         DATABASE_URL=postgres://… uses PostgreSQL instead
  --import FILE          JSON file of tenants, servers, clients and users, applied at every start (PIXIE_IMPORT)
  --public-url URL       the URL clients use; https unless loopback (PIXIE_PUBLIC_URL)
  --tls-cert F --tls-key F  serve HTTPS directly
  --log-level L          fatal, error, warn, info, debug, trace or silent (PIXIE_LOG_LEVEL; default info)
  --workers N|auto       HTTP worker processes sharing the port (PIXIE_WORKERS; default 1)
`;

const PKCE_HELP = `pixie pkce — a PKCE code verifier and its S256 code challenge (RFC 7636)

Usage:
  pixie pkce [--length 64] [--json]

Options:
  --length N   verifier length, 43 to 128 characters (default 64)
  --json       print {"code_verifier", "code_challenge", "code_challenge_method"}
`;

const FULL_TOKEN_HELP = `pixie token — get a token with the Authorization Code flow and PKCE, from a terminal

Usage:
${TOKEN_HELP}
Discovers the endpoints from --issuer (or takes --authorize-url and --token-url), opens the
browser (--no-browser prints the URL), receives the code on a loopback listener on 127.0.0.1
(or, with --paste, from the login_success URL you paste), checks state and iss, exchanges the
code and prints the access token (--json: every field). --save NAME keeps the result in
~/.config/pixie/tokens.json; --refresh NAME refreshes it.
`;

export function version(): string {
  // ../../package.json from both src/cli and dist/cli.
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

async function run(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      if (wantsHelp(rest)) return help(io, SERVE_HELP);
      const { values } = parseArgs({
        args: rest, strict: true,
        options: {
          dev: { type: 'boolean' }, port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' },
          import: { type: 'string' }, 'public-url': { type: 'string' }, 'tls-cert': { type: 'string' },
          'tls-key': { type: 'string' }, 'log-level': { type: 'string' }, workers: { type: 'string' },
        },
      });
      const { serve } = await import('./serve.js');
      await serve(values, io.env);
      return 0;
    }
    case 'pkce': {
      if (wantsHelp(rest)) return help(io, PKCE_HELP);
      const { values } = parseArgs({ args: rest, strict: true, options: { length: { type: 'string' }, json: { type: 'boolean' } } });
      io.out(`${pkceCommand(values)}\n`);
      return 0;
    }
    case 'token': {
      if (wantsHelp(rest)) return help(io, FULL_TOKEN_HELP);
      const { tokenCommand } = await import('./token.js');
      return tokenCommand(rest, io);
    }
    case 'admin': {
      const { adminCommand } = await import('./admin.js');
      await adminCommand(rest, io.env, (text) => io.out(`${text.replace(/\n$/, '')}\n`), (text) => io.err(`${text}\n`));
      return 0;
    }
    case 'import': {
      const { IMPORT_HELP, importCommand } = await import('./import.js');
      if (wantsHelp(rest)) return help(io, IMPORT_HELP);
      const { values } = parseArgs({ args: rest, strict: true, options: { check: { type: 'string' }, schema: { type: 'boolean' } } });
      return importCommand(values, (t) => io.out(t), (t) => io.err(t));
    }
    case 'secrets-key': {
      const { SECRETS_KEY_HELP, secretsKeyCommand } = await import('./secrets-key.js');
      if (wantsHelp(rest)) return help(io, SECRETS_KEY_HELP);
      return secretsKeyCommand(rest, io.env, (t) => io.out(t));
    }
    case '--version': case '-v': case 'version':
      io.out(`pixie ${version()}\n`);
      return 0;
    case undefined: case 'help': case '--help': case '-h':
      return help(io, HELP);
    default:
      throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
  }
}

function help(io: CliIO, text: string): number {
  io.out(text);
  return 0;
}

/** Runs the command; failures are printed as one clear message (no stack trace) with status 2. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  try {
    return await run(argv, io);
  } catch (err) {
    if (err instanceof ConfigError) io.err(`pixie: configuration problems:\n  ${err.problems.join('\n  ')}\n`);
    else io.err(`pixie: ${(err as Error).message ?? err}\n`);
    return 2;
  }
}
