/** `pixie secrets-key generate | rotate`: the key that encrypts the signing keys at rest. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { generateSecretsKey } from '../crypto/secrets-key.js';
import { openDatabase, rotateSecretsKey } from '../storage/database.js';
import { UsageError } from './pkce.js';

export const SECRETS_KEY_HELP = `pixie secrets-key — the key that encrypts the signing keys at rest

Usage:
  pixie secrets-key generate               print a new random key (for PIXIE_SECRETS_KEY)
  pixie secrets-key rotate [--data DIR]    re-encrypt every signing key to the newest key

The private signing keys are stored encrypted with AES-256-GCM under the secrets key:
PIXIE_SECRETS_KEY, or the file named by PIXIE_SECRETS_KEY_FILE. Without one, SQLite makes
secrets.key next to the database at first start; PostgreSQL stores them unencrypted (and warns).
Back the key up with the database: without it the signing keys cannot be read.

To change a configured key: PIXIE_SECRETS_KEY="NEW,OLD" (the first encrypts, the others only
decrypt); each start re-encrypts what is under OLD, as does \`rotate\` at once; then drop OLD.
With several processes, give them all "OLD,NEW" first, so that those not yet restarted can
read the rows moved to NEW (docs/security.md, "Signing keys at rest").
With SQLite's secrets.key, \`rotate\` makes a new key in the file and re-encrypts to it: stop
\`pixie serve\` first (a running server keeps the old key in memory).

Database: DATABASE_URL (postgres://…) or the SQLite database in --data DIR (PIXIE_DATA_DIR).
`;

export async function secretsKeyCommand(argv: string[], env: NodeJS.ProcessEnv, out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { data: { type: 'string' } }, allowPositionals: true, strict: true });
  const [action, ...extra] = positionals;
  if (extra.length) throw new UsageError(`secrets-key: unexpected "${extra[0]}"\n\n${SECRETS_KEY_HELP}`);
  if (action === 'generate') {
    out(`${generateSecretsKey()}\n`);
    return 0;
  }
  if (action !== 'rotate') throw new UsageError(`secrets-key: ${action ? `unknown action "${action}"` : 'an action is needed'}; one of: generate, rotate\n\n${SECRETS_KEY_HELP}`);
  const config = loadConfig({ data: values.data }, env);
  const dataDir = resolve(config.dataDir);
  if (!config.databaseUrl && !existsSync(resolve(dataDir, 'pixie.db'))) {
    throw new UsageError(`no database at ${resolve(dataDir, 'pixie.db')}; point to it with --data DIR (PIXIE_DATA_DIR) or DATABASE_URL=postgres://…`);
  }
  const db = await openDatabase({ databaseUrl: config.databaseUrl ?? undefined, dataDir, create: false, secretsKeys: config.secretsKeys });
  try {
    const { rewritten, file } = await rotateSecretsKey(db);
    const ids = db.secrets.keyring.ids;
    out(file
      ? `made a new secrets key in ${file}; ${rewritten} signing key(s) re-encrypted to it\n`
      : `every signing key is encrypted with secrets key ${ids[0]}${rewritten ? ` (${rewritten} re-encrypted now)` : ''}; `
        + `${ids.length > 1 ? 'the older keys in PIXIE_SECRETS_KEY may be removed once every process runs with the new one' : 'nothing else to do'}\n`);
    return 0;
  } finally {
    await db.stores.close();
  }
}
