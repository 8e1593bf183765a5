/** Validate an import document; every problem is reported with its JSON path. */
import type { ValueError } from '@sinclair/typebox/value';
import { FormatRegistry, Value, ValueErrorType } from '../vendor/typebox.js';
import { checkAllowedOrigin, checkRegisteredRedirectUri } from '../core/redirect-uri.js';
import { resourceSettingsProblems } from '../core/resource.js';
import { ImportFile, RESERVED_IDS, type ImportFileData } from './schema.js';

if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d\d-\d\dT/.test(v));

export class ImportError extends Error {
  constructor(readonly problems: string[]) {
    super(`import file is invalid:\n  ${problems.join('\n  ')}`);
  }
}

/** Server settings are camelCase, client fields snake_case: name the spelling meant when the other one is used. */
function didYouMean(path: string, schema: { properties?: Record<string, unknown> }): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const known = Object.keys(schema.properties ?? {});
  const fold = (s: string) => s.replace(/[_-]/g, '').toLowerCase();
  const match = known.find((k) => k !== name && fold(k) === fold(name));
  return match ? ` (did you mean "${match}"?)` : '';
}

function describe(e: ValueError): string {
  const { path, message, value } = e;
  const where = path || '/';
  if (message.startsWith('Unexpected property')) return `${where}: unknown field${didYouMean(path, e.schema as { properties?: Record<string, unknown> })}`;
  return `${where}: ${message}${value !== undefined && typeof value !== 'object' ? ` (got ${JSON.stringify(value).slice(0, 60)})` : ''}`;
}

const BASIC_TYPES = new Set([ValueErrorType.Array, ValueErrorType.Boolean, ValueErrorType.Integer, ValueErrorType.Null,
  ValueErrorType.Number, ValueErrorType.Object, ValueErrorType.String]);

/**
 * TypeBox reports a failed union (`client_secret`: a string or a list) only as "Expected union value".
 * Report the errors of the branch the value was meant for instead: the one whose errors go deepest,
 * else one whose basic type the value has. A union of literals becomes "must be one of …".
 */
function unionErrors(e: ValueError): ValueError[] {
  if (e.type !== ValueErrorType.Union || e.errors.length === 0) return [e];
  const branches = e.errors.map((it) => [...it].flatMap(unionErrors)).filter((b) => b.length > 0);
  if (branches.length && branches.every((b) => b.length === 1 && b[0].type === ValueErrorType.Literal)) {
    const allowed = branches.map((b) => JSON.stringify(b[0].schema.const)).join(', ');
    return [{ ...e, message: `must be one of ${allowed}` }];
  }
  const depth = (b: ValueError[]) => Math.max(...b.map((x) => x.path.split('/').length));
  const wrongType = (b: ValueError[]) => b.some((x) => x.path === e.path && BASIC_TYPES.has(x.type));
  const ranked = branches.sort((a, b) => depth(b) - depth(a) || Number(wrongType(a)) - Number(wrongType(b)));
  const best = ranked[0];
  if (best && (depth(best) > e.path.split('/').length || !wrongType(best))) return best;
  // A value of none of the types: name them ("Expected string or array").
  const types = branches.map((b) => b[0].message.replace(/^Expected /, ''));
  return [{ ...e, message: `Expected ${[...new Set(types)].join(' or ')}` }];
}

export function validateImport(doc: unknown): ImportFileData {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const e of [...Value.Errors(ImportFile, doc)].flatMap(unionErrors)) {
    const line = describe(e);
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
      for (const [path, bad] of resourceSettingsProblems(s.resources ?? [])) problems.push(`/tenants/${ti}/servers/${si}/resources/${path}: ${bad}`);
      s.clients?.forEach((c, ci) => {
        c.redirect_uris?.forEach((u, ui) => {
          const bad = checkRegisteredRedirectUri(u);
          if (bad) problems.push(`/tenants/${ti}/servers/${si}/clients/${ci}/redirect_uris/${ui}: ${bad}`);
        });
        c.post_logout_redirect_uris?.forEach((u, ui) => {
          const bad = checkRegisteredRedirectUri(u);
          if (bad) problems.push(`/tenants/${ti}/servers/${si}/clients/${ci}/post_logout_redirect_uris/${ui}: ${bad}`);
        });
        c.allowed_origins?.forEach((o, oi) => {
          const bad = checkAllowedOrigin(o);
          if (bad) problems.push(`/tenants/${ti}/servers/${si}/clients/${ci}/allowed_origins/${oi}: ${bad}`);
        });
        if (c.public && c.client_secret !== undefined) problems.push(`/tenants/${ti}/servers/${si}/clients/${ci}/client_secret: a public client has no secret`);
        // The method is enforced at the token endpoint, so a contradiction would lock the client out.
        const method = c.token_endpoint_auth_method;
        if (c.public && method !== undefined && method !== 'none') {
          problems.push(`/tenants/${ti}/servers/${si}/clients/${ci}/token_endpoint_auth_method: must be "none" for a public client`);
        }
        if (!c.public && method === 'none') {
          problems.push(`/tenants/${ti}/servers/${si}/clients/${ci}/token_endpoint_auth_method: must not be "none" for a confidential client (set "public": true, or choose client_secret_basic or client_secret_post)`);
        }
      });
    });
  });
  if (problems.length) throw new ImportError(problems);
  return data;
}
