/**
 * docs/configuration.md and docs/import-file.schema.json against the code: the generated parts
 * are what `npm run docs:config` writes today, every configuration key has a flag or variable
 * listed (or is marked fixed), and every variable, `pixie serve` flag and import-file field the
 * code knows is named in the doc.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DOC_PATH, renderDoc, renderSchema, SCHEMA_PATH, SETTINGS } from '../../scripts/gen-config-doc.js';
import { main } from '../../src/cli/run.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { importFileJsonSchema } from '../../src/import/json-schema.js';

const doc = readFileSync(DOC_PATH, 'utf8');
const SRC = new URL('../../src/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Field names of every object in a JSON Schema. */
function fieldNames(s: Record<string, unknown>, out = new Set<string>()): Set<string> {
  for (const [name, sub] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
    out.add(name);
    fieldNames(sub, out);
  }
  if (s.items) fieldNames(s.items as Record<string, unknown>, out);
  for (const b of (s.anyOf ?? []) as Record<string, unknown>[]) fieldNames(b, out);
  return out;
}

describe('docs/configuration.md', () => {
  it('its generated sections and the JSON Schema file are up to date (npm run docs:config)', () => {
    assert.equal(renderDoc(doc), doc);
    assert.equal(readFileSync(SCHEMA_PATH, 'utf8'), renderSchema());
  });

  it('covers every configuration key', () => {
    assert.deepEqual(SETTINGS.map((s) => s.key).sort(), Object.keys(DEFAULT_CONFIG).sort());
  });

  it('names every environment variable the code reads', () => {
    const internal = new Set(['PIXIE_WORKER_SLOT']); // set by the primary process for its workers
    const used = new Set<string>();
    for (const f of sources(SRC)) for (const m of readFileSync(f, 'utf8').matchAll(/\b(PIXIE_[A-Z0-9_]+|DATABASE_URL)\b/g)) used.add(m[1]);
    assert.ok(used.has('PIXIE_CONFIG_DIR') && used.has('PIXIE_SE_TENANT'));
    for (const name of used) if (!internal.has(name)) assert.ok(doc.includes(`\`${name}\``), `${name} is not in docs/configuration.md`);
  });

  it('names every pixie serve flag', async () => {
    let help = '';
    await main(['serve', '--help'], { out: (t) => (help += t), err: () => {}, env: {} });
    const flags = new Set(help.match(/--[a-z][a-z-]+/g));
    assert.ok(flags.has('--public-url'));
    for (const flag of flags) if (flag !== '--help') assert.ok(doc.includes(`\`${flag}`), `${flag} is not in docs/configuration.md`);
  });

  it('names every import-file field', () => {
    const fields = fieldNames(importFileJsonSchema());
    assert.ok(fields.has('allowed_origins') && fields.has('accessTokenTtl') && fields.has('expires_at'));
    for (const name of fields) assert.ok(doc.includes(`| \`${name}\` |`), `${name} is not in docs/configuration.md`);
  });
});
