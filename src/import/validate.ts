/** Validate an import document; every problem is reported with its JSON path. */
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { checkRegisteredRedirectUri } from '../core/redirect-uri.js';
import { ImportFile, RESERVED_IDS, type ImportFileData } from './schema.js';

if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d\d-\d\dT/.test(v));

export class ImportError extends Error {
  constructor(readonly problems: string[]) {
    super(`import file is invalid:\n  ${problems.join('\n  ')}`);
  }
}

function describe(path: string, message: string, value: unknown): string {
  const where = path || '/';
  if (message.startsWith('Unexpected property')) return `${where}: unknown field`;
  return `${where}: ${message}${value !== undefined && typeof value !== 'object' ? ` (got ${JSON.stringify(value).slice(0, 60)})` : ''}`;
}

export function validateImport(doc: unknown): ImportFileData {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(ImportFile, doc)) {
    const line = describe(e.path, e.message, e.value);
    // Union errors repeat per branch; say each once.
    if (!seen.has(e.path)) problems.push(line);
    seen.add(e.path);
  }
  if (problems.length) throw new ImportError(problems);
  const data = doc as ImportFileData;
  data.tenants.forEach((t, ti) => {
    if (RESERVED_IDS.has(t.id)) problems.push(`/tenants/${ti}/id: "${t.id}" is a reserved word`);
    t.servers?.forEach((s, si) => {
      if (RESERVED_IDS.has(s.id)) problems.push(`/tenants/${ti}/servers/${si}/id: "${s.id}" is a reserved word`);
      s.clients?.forEach((c, ci) => {
        c.redirect_uris?.forEach((u, ui) => {
          const bad = checkRegisteredRedirectUri(u);
          if (bad) problems.push(`/tenants/${ti}/servers/${si}/clients/${ci}/redirect_uris/${ui}: ${bad}`);
        });
        if (c.public && c.client_secret !== undefined) problems.push(`/tenants/${ti}/servers/${si}/clients/${ci}/client_secret: a public client has no secret`);
      });
    });
  });
  if (problems.length) throw new ImportError(problems);
  return data;
}
