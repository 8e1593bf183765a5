/** `pixie import --check FILE` and `pixie import --schema`: the import file, without starting a server. */
import { readFileSync } from 'node:fs';
import { importFileJsonSchema } from '../import/json-schema.js';
import { ImportError, validateImport } from '../import/validate.js';
import type { ImportFileData } from '../import/schema.js';
import { UsageError } from './pkce.js';

export const IMPORT_HELP = `pixie import — check an import file, or print its JSON Schema

Usage:
  pixie import --check FILE    validate FILE without starting: "ok: …" (exit 0), or every problem with its path (exit 2)
  pixie import --schema        print the import file's JSON Schema

The file is applied with \`pixie serve --import FILE\`; its fields are in docs/configuration.md.
`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function summary(data: ImportFileData): string {
  const servers = data.tenants.flatMap((t) => t.servers ?? []);
  return [
    plural(data.tenants.length, 'tenant'),
    plural(data.tenants.reduce((n, t) => n + (t.users?.length ?? 0), 0), 'user'),
    plural(servers.length, 'server'),
    plural(servers.reduce((n, s) => n + (s.clients?.length ?? 0), 0), 'client'),
  ].join(', ');
}

/** Returns the exit status; problems go to `err`, one per line with its JSON path. */
export function importCommand(values: { check?: string; schema?: boolean }, out: (t: string) => void, err: (t: string) => void): number {
  if (values.schema) {
    out(`${JSON.stringify(importFileJsonSchema(), null, 2)}\n`);
    return 0;
  }
  if (!values.check) throw new UsageError(`pixie import needs --check FILE or --schema\n\n${IMPORT_HELP}`);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(values.check, 'utf8'));
  } catch (e) {
    err(`pixie: ${values.check}: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    out(`ok: ${summary(validateImport(doc))}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof ImportError)) throw e;
    err(`pixie: ${values.check} is invalid:\n  ${e.problems.join('\n  ')}\n`);
    return 2;
  }
}
