#!/usr/bin/env node
// Part of `npm run build`: compiles every storage statement for SQLite and PostgreSQL with
// Kysely once, into dist/storage/sql.json, so that `pixie serve` starts without loading Kysely
// (src/storage/prepared.ts explains the keys and when an entry is used).
import { writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

const { ALL_STATEMENTS, compileWithKysely } = await import('../dist/storage/prepared.js');
await import('../dist/storage/stores/index.js');
const out = { sqlite: {}, postgres: {} };
for (const stmt of ALL_STATEMENTS) {
  for (const dialect of ['sqlite', 'postgres']) {
    if (out[dialect][stmt.site]) throw new Error(`two statements share the site ${stmt.site}`);
    out[dialect][stmt.site] = { source: stmt.build.toString(), compiled: compileWithKysely(stmt, dialect) };
  }
}
// Only JSON-safe values may be precompiled (literal parameters are numbers, strings or null).
if (!isDeepStrictEqual(JSON.parse(JSON.stringify(out)), out)) throw new Error('a compiled statement does not survive JSON');
writeFileSync(new URL('../dist/storage/sql.json', import.meta.url), JSON.stringify(out));
console.log(`precompiled ${ALL_STATEMENTS.length} statements for SQLite and PostgreSQL`);
