#!/usr/bin/env node
// Part of `npm run build`: compiles every storage statement for SQLite and PostgreSQL with
// Kysely once, into dist/storage/sql.json keyed by statement name, so that `pixie serve` starts
// without loading Kysely (src/storage/prepared.ts). Then checks the file it wrote, read back as
// the server reads it, against the builders: every statement present and equal, no other entry.
//
//   node scripts/precompile-sql.mjs           write dist/storage/sql.json, then check it
//   node scripts/precompile-sql.mjs --check   only check the existing file (exit 1 if stale)
import { readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

const FILE = new URL('../dist/storage/sql.json', import.meta.url);
const { allStatements, precompileAll, staleStatements } = await import('../dist/storage/prepared.js');
// Loading the stores defines every statement (a duplicate name throws here).
await import('../dist/storage/stores/index.js');

if (!process.argv.includes('--check')) {
  const out = precompileAll();
  // Only JSON-safe values may be precompiled (literal parameters are numbers, strings or null).
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(out)), out)) throw new Error('a compiled statement does not survive JSON');
  writeFileSync(FILE, JSON.stringify(out));
}
const problems = staleStatements(JSON.parse(readFileSync(FILE, 'utf8')));
if (problems.length) {
  console.error(`dist/storage/sql.json is stale (run npm run build):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`precompiled ${allStatements().length} statements for SQLite and PostgreSQL (checked against their builders)`);
