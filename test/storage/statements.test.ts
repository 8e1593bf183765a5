/**
 * The statement registry: each statement is defined under a unique name, which keys its
 * precompiled SQL (dist/storage/sql.json), and the precompiled SQL is what its builder compiles now.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { allStatements, param, precompileAll, staleStatements, statement, type PrecompiledSql } from '../../src/storage/prepared.js';
import '../../src/storage/stores/index.js';

const SQL_JSON = new URL('../../dist/storage/sql.json', import.meta.url);
// The stores' statements, before this file defines any of its own.
const stores = allStatements();

function builtFile(): PrecompiledSql {
  try {
    return JSON.parse(readFileSync(SQL_JSON, 'utf8')) as PrecompiledSql;
  } catch {
    assert.fail('dist/storage/sql.json is missing: run npm run build');
  }
}

describe('statement registry', () => {
  it('dist/storage/sql.json holds exactly what every statement of src/ compiles to now (else: npm run build)', () => {
    assert.ok(stores.length > 90, `${stores.length} statements`);
    assert.deepEqual(staleStatements(builtFile(), stores), [], 'dist/storage/sql.json is stale: run npm run build');
  });

  it('a stale file is reported: changed SQL, a missing statement, an entry without a statement', () => {
    const file = precompileAll(stores);
    file.sqlite['tokens.consume']!.sql += ' and 1 = 1';
    delete file.postgres['codes.consume'];
    file.sqlite['tokens.renamedAway'] = file.sqlite['tokens.find']!;
    assert.deepEqual(staleStatements(file, stores).sort(), [
      'postgres codes.consume: missing',
      'sqlite tokens.consume: differs from what its builder compiles',
      'sqlite tokens.renamedAway: no statement of this name',
    ]);
  });

  it('a name defined twice throws at the second definition', () => {
    statement('test.once', (db) => db.selectFrom('tenants').select('id').where('id', '=', param('id')));
    assert.throws(
      () => statement('test.once', (db) => db.selectFrom('servers').select('id')),
      /statement "test\.once" is defined twice/,
    );
    assert.throws(() => statement('tokens.consume', (db) => db.selectFrom('tokens').selectAll()), /"tokens\.consume" is defined twice/);
  });

  it('names are area.what', () => {
    assert.throws(() => statement('consume', (db) => db.selectFrom('tokens').selectAll()), /not of the form area\.what/);
    assert.throws(() => statement('', (db) => db.selectFrom('tokens').selectAll()), /not of the form/);
  });
});
