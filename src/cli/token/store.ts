/**
 * Saved tokens (`--save NAME`, `--refresh NAME`) in `$PIXIE_CONFIG_DIR/tokens.json`
 * (default `$XDG_CONFIG_HOME/pixie` or `~/.config/pixie`), readable by the user only.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FlowError } from './errors.js';
import type { JWK } from 'jose';
import type { SecretMethod, TokenFields } from './exchange.js';

export interface SavedToken {
  token_endpoint: string;
  client_id: string;
  /** How the client secret was sent (absent for public clients and files of older versions). */
  client_auth?: SecretMethod;
  issuer: string | null;
  /** Epoch seconds, or null for a token without expiry. */
  expires_at: number | null;
  saved_at: number;
  fields: TokenFields;
  /** The private JWK of a DPoP-bound token (RFC 9449): `--refresh` proves the same key. */
  dpop_jwk?: JWK;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** `env`: the command's environment (tests run the command in-process with their own). */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PIXIE_CONFIG_DIR) return env.PIXIE_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'pixie');
}

export function tokensFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'tokens.json');
}

export function checkName(name: string): string {
  if (!NAME.test(name)) throw new FlowError('a saved token name is 1-64 characters of letters, digits, ".", "_" and "-"');
  return name;
}

function readAll(env: NodeJS.ProcessEnv): Record<string, SavedToken> {
  const file = tokensFile(env);
  if (!existsSync(file)) return {};
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { tokens?: Record<string, SavedToken> };
    return data.tokens ?? {};
  } catch (err) {
    throw new FlowError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

export function loadToken(name: string, env: NodeJS.ProcessEnv = process.env): SavedToken {
  const saved = readAll(env)[checkName(name)];
  if (!saved) throw new FlowError(`no saved token named "${name}" in ${tokensFile(env)}`);
  return saved;
}

export function saveToken(name: string, token: SavedToken, env: NodeJS.ProcessEnv = process.env): string {
  const all = { ...readAll(env), [checkName(name)]: token };
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = tokensFile(env);
  // Write with 0600 from the first byte, then rename: the tokens are never world-readable.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ tokens: all }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return file;
}
