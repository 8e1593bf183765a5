/**
 * Signing keys encrypted at rest: the private key ("d") never reaches the disk or the PostgreSQL
 * table in clear, a restart keeps the same kids and verifies the tokens issued before, plaintext
 * rows of an older release are re-encrypted at start, the secrets key rotates ("new,old" and
 * `pixie secrets-key rotate`), and a wrong or missing key stops the start with a plain message
 * instead of making new keys (which would invalidate every token issued).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import BetterSqlite from 'better-sqlite3';
import { createLocalJWKSet, jwtVerify } from 'jose';
import pg from 'pg';
import { main } from '../../src/cli/run.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { generateSecretsKey, SecretsKeyring } from '../../src/crypto/secrets-key.js';
import { basic, exchange, getCode, tokenRequest } from '../helpers/flow.js';
import { createTestSchema, describeUnless, PG_SKIP } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDirs } from '../helpers/temp.js';

const tempDir = tempDirs('pixie-secrets-');

interface Row { tenant_id: string; server_id: string; kid: string; private_jwk: string }

/** One storage backend: its config, and raw access to the signing_keys table with the server stopped. */
interface Backend {
  config: Partial<Config>;
  rows(): Promise<Row[]>;
  /** Every byte of the stored database (SQLite files), or the table's text (PostgreSQL). */
  raw(): Promise<string>;
  setPrivate(r: Row, value: string): Promise<void>;
  cleanup(): Promise<void>;
}

function sqliteBackend(): Backend {
  const dataDir = tempDir();
  const file = join(dataDir, 'pixie.db');
  const withDb = <T>(fn: (db: BetterSqlite.Database) => T): T => {
    const db = new BetterSqlite(file);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    config: { dataDir },
    rows: async () => withDb((db) => db.prepare('SELECT tenant_id, server_id, kid, private_jwk FROM signing_keys').all() as Row[]),
    raw: async () => [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('\n'),
    setPrivate: async (r, value) => withDb((db) => {
      db.prepare('UPDATE signing_keys SET private_jwk = ? WHERE tenant_id = ? AND server_id = ? AND kid = ?').run(value, r.tenant_id, r.server_id, r.kid);
    }),
    cleanup: async () => {},
  };
}

async function postgresBackend(): Promise<Backend> {
  const schema = await createTestSchema();
  const query = async <T>(text: string, values: unknown[] = []): Promise<T[]> => {
    const c = new pg.Client({ connectionString: schema.url });
    await c.connect();
    try {
      return (await c.query(text, values)).rows as T[];
    } finally {
      await c.end();
    }
  };
  return {
    config: { databaseUrl: schema.url, dataDir: tempDir() },
    rows: () => query<Row>('SELECT tenant_id, server_id, kid, private_jwk FROM signing_keys'),
    raw: async () => (await query<{ t: string }>('SELECT signing_keys::text AS t FROM signing_keys')).map((r) => r.t).join('\n'),
    setPrivate: async (r, value) => {
      await query('UPDATE signing_keys SET private_jwk = $1 WHERE tenant_id = $2 AND server_id = $3 AND kid = $4', [value, r.tenant_id, r.server_id, r.kid]);
    },
    cleanup: () => schema.drop(),
  };
}

const start = (b: Backend, secretsKeys: string[] = []) => startTestServer({ config: { ...b.config, secretsKeys } });

/** Tokens signed with both of the default server's keys: an ES256 access token, an RS256 ID token. */
async function issueTokens(s: TestServer): Promise<string[]> {
  const cc = await tokenRequest(s, { grant_type: 'client_credentials' }, { authorization: basic() });
  assert.equal(cc.status, 200);
  const code = await exchange(s, await getCode(s, 'openid'));
  assert.equal(code.status, 200);
  const body = (await code.json()) as { access_token: string; id_token: string };
  return [((await cc.json()) as { access_token: string }).access_token, body.id_token];
}

async function verifyAll(s: TestServer, tokens: string[]): Promise<void> {
  const jwks = createLocalJWKSet(await (await fetch(`${s.issuer}/.well-known/jwks.json`)).json() as never);
  // Each start listens on another port (another issuer): the signature is what is checked.
  for (const token of tokens) await jwtVerify(token, jwks);
}

/** The private "d" of every key, read through the server's own (decrypting) store. */
async function privateParts(s: TestServer): Promise<{ kid: string; d: string }[]> {
  const keys = await s.db.stores.keys.listPublished('default', 'default', Math.floor(Date.now() / 1000));
  return keys.map((k) => ({ kid: k.kid, d: k.privateJwk.d! }));
}

const kids = async (b: Backend) => (await b.rows()).map((r) => `${r.tenant_id}/${r.server_id}/${r.kid}`).sort();

/** Every stored private key under `keyId` (of the keyring that holds only `key`). */
async function assertAllUnder(b: Backend, key: string): Promise<void> {
  const prefix = new SecretsKeyring([key]).currentPrefix!;
  const rows = await b.rows();
  assert.ok(rows.length >= 2);
  for (const r of rows) assert.ok(r.private_jwk.startsWith(prefix), `${r.kid}: ${r.private_jwk.slice(0, 16)} is not under ${prefix}`);
}

function suites(name: string, skip: string | false, make: () => Promise<Backend>, defaultKey: boolean): void {
  describeUnless(skip, `secrets key (${name})`, () => {
    it('stores no private key in clear; a restart keeps the kids and verifies the tokens issued before', async () => {
      const b = await make();
      const key = defaultKey ? [] : [generateSecretsKey()];
      try {
        const s = await start(b, key);
        const tokens = await issueTokens(s);
        const secrets = await privateParts(s);
        await s.close();
        assert.ok(secrets.length >= 2 && secrets.every((k) => k.d.length >= 40));
        const raw = await b.raw();
        assert.ok(raw.includes(secrets[0].kid), 'the kid is stored (the test reads the right place)');
        for (const { kid, d } of secrets) assert.ok(!raw.includes(d), `the private key of ${kid} is stored in clear`);
        for (const r of await b.rows()) assert.match(r.private_jwk, /^enc:v1:[A-Za-z0-9_-]{8}:/);
        const before = await kids(b);
        const again = await start(b, key);
        try {
          await verifyAll(again, tokens);
          // The restarted server still signs with the same keys: a new token verifies, and no key was added.
          await issueTokens(again);
          assert.deepEqual(await kids(b), before);
        } finally {
          await again.close();
        }
      } finally {
        await b.cleanup();
      }
    });

    it('re-encrypts the plaintext rows of an older release at start', async () => {
      const b = await make();
      const key = defaultKey ? [] : [generateSecretsKey()];
      try {
        const s = await start(b, key);
        const tokens = await issueTokens(s);
        const secrets = await privateParts(s);
        await s.close();
        // What an older release stored: the private JWK as JSON.
        const keyring = new SecretsKeyring(defaultKey ? readKeyFile(b) : key);
        for (const r of await b.rows()) {
          await b.setPrivate(r, keyring.open(r.private_jwk, `signing_keys\0${r.tenant_id}\0${r.server_id}\0${r.kid}`));
        }
        if (defaultKey) unlinkSync(keyFile(b)); // an older release made no key file
        assert.ok((await b.raw()).includes(secrets[0].d), 'the rows are plaintext now');
        const before = await kids(b);
        const again = await start(b, key);
        try {
          await verifyAll(again, tokens);
          assert.deepEqual(await kids(b), before);
        } finally {
          await again.close();
        }
        await assertAllUnder(b, defaultKey ? readKeyFile(b)[0] : key[0]);
        if (!defaultKey) for (const { d } of secrets) assert.ok(!(await b.raw()).includes(d));
      } finally {
        await b.cleanup();
      }
    });

    if (defaultKey) return; // the tests below configure keys: once per backend is enough

    it('rotates the secrets key: "new,old" opens the old rows and re-encrypts them, then "new" alone starts', async () => {
      const b = await make();
      const [oldKey, newKey, newest] = [generateSecretsKey(), generateSecretsKey(), generateSecretsKey()];
      try {
        const s = await start(b, [oldKey]);
        const tokens = await issueTokens(s);
        await s.close();
        await assertAllUnder(b, oldKey);
        const before = await kids(b);

        const rotated = await start(b, [newKey, oldKey]);
        try {
          await verifyAll(rotated, tokens);
        } finally {
          await rotated.close();
        }
        await assertAllUnder(b, newKey);
        const only = await start(b, [newKey]);
        try {
          await verifyAll(only, tokens);
        } finally {
          await only.close();
        }

        // The command does the same without a server start, and tells what it did.
        const out: string[] = [];
        const env = { PIXIE_SECRETS_KEY: `${newest},${newKey}`, PIXIE_DATA_DIR: b.config.dataDir!, ...(b.config.databaseUrl ? { DATABASE_URL: b.config.databaseUrl } : {}) };
        assert.equal(await main(['secrets-key', 'rotate'], { out: (t) => out.push(t), err: (t) => out.push(t), env }), 0, out.join(''));
        assert.match(out.join(''), /every signing key is encrypted with secrets key [A-Za-z0-9_-]{8} \(\d+ re-encrypted now\)/);
        await assertAllUnder(b, newest);
        const last = await start(b, [newest]);
        try {
          await verifyAll(last, tokens);
        } finally {
          await last.close();
        }
        assert.deepEqual(await kids(b), before);
      } finally {
        await b.cleanup();
      }
    });

    it('refuses to start with a wrong key, in plain words, and changes nothing', async () => {
      const b = await make();
      const key = generateSecretsKey();
      try {
        const s = await start(b, [key]);
        await issueTokens(s);
        await s.close();
        const rows = JSON.stringify(await b.rows());
        await assert.rejects(start(b, [generateSecretsKey()]), /encrypted with secrets key [A-Za-z0-9_-]{8}, which is not among the configured keys/);
        // The command line says it without a stack trace, and exits 2.
        const err: string[] = [];
        const env = { PIXIE_SECRETS_KEY: generateSecretsKey(), PIXIE_DATA_DIR: b.config.dataDir!, PIXIE_PORT: '0', PIXIE_LOG_LEVEL: 'silent', ...(b.config.databaseUrl ? { DATABASE_URL: b.config.databaseUrl } : {}) };
        assert.equal(await main(['serve'], { out: () => {}, err: (t) => err.push(t), env }), 2);
        assert.match(err.join(''), /^pixie: signing keys in the database are encrypted with secrets key .* start with the key they were written with/);
        assert.doesNotMatch(err.join(''), /\n\s+at /);
        if (b.config.databaseUrl) {
          await assert.rejects(start(b, []), /no secrets key is configured: set PIXIE_SECRETS_KEY/);
        }
        assert.equal(JSON.stringify(await b.rows()), rows, 'no key was made, replaced or rewritten');
      } finally {
        await b.cleanup();
      }
    });
  });
}

const keyFile = (b: Backend) => join(b.config.dataDir!, 'secrets.key');
const readKeyFile = (b: Backend) => readFileSync(keyFile(b), 'utf8').trim().split(',');

suites('SQLite, generated secrets.key', false, async () => sqliteBackend(), true);
suites('SQLite, PIXIE_SECRETS_KEY', false, async () => sqliteBackend(), false);
suites('PostgreSQL', PG_SKIP, postgresBackend, false);

describe('secrets key: SQLite\'s secrets.key', () => {
  it('is made 0600 at first start, and a database whose key file is gone is refused, not re-keyed', async () => {
    const b = sqliteBackend();
    const s = await start(b);
    await issueTokens(s);
    await s.close();
    assert.equal(statSync(keyFile(b)).mode & 0o777, 0o600);
    const saved = readFileSync(keyFile(b));
    unlinkSync(keyFile(b));
    const rows = JSON.stringify(await b.rows());
    await assert.rejects(start(b), /are encrypted with secrets key [A-Za-z0-9_-]{8}, but .*secrets\.key is missing: restore it/);
    assert.ok(!existsSync(keyFile(b)), 'no new key file was made');
    assert.equal(JSON.stringify(await b.rows()), rows);
    writeFileSync(keyFile(b), saved, { mode: 0o600 });
    await (await start(b)).close();
  });

  it('`pixie secrets-key rotate` replaces the generated key and re-encrypts to it', async () => {
    const b = sqliteBackend();
    const s = await start(b);
    const tokens = await issueTokens(s);
    await s.close();
    const [oldKey] = readKeyFile(b);
    const out: string[] = [];
    assert.equal(await main(['secrets-key', 'rotate', '--data', b.config.dataDir!], { out: (t) => out.push(t), err: (t) => out.push(t), env: {} }), 0, out.join(''));
    assert.match(out.join(''), /made a new secrets key in .*secrets\.key; \d+ signing key\(s\) re-encrypted to it/);
    const keys = readKeyFile(b);
    assert.equal(keys.length, 1);
    assert.notEqual(keys[0], oldKey);
    assert.equal(statSync(keyFile(b)).mode & 0o777, 0o600);
    await assertAllUnder(b, keys[0]);
    const again = await start(b);
    try {
      await verifyAll(again, tokens);
    } finally {
      await again.close();
    }
  });
});

describeUnless(PG_SKIP, 'secrets key: PostgreSQL with no key configured', () => {
  it('keeps the keys unencrypted and says so at start-up, once', async () => {
    const b = await postgresBackend();
    try {
      const stream = new PassThrough();
      let log = '';
      stream.on('data', (chunk: Buffer) => (log += chunk.toString()));
      const s = await startTestServer({ config: { ...b.config, logLevel: 'warn' }, logStream: stream });
      const secrets = await privateParts(s);
      await s.close();
      assert.equal(log.match(/no secrets key configured \(PIXIE_SECRETS_KEY or PIXIE_SECRETS_KEY_FILE\): signing keys are stored unencrypted in PostgreSQL/g)?.length, 1, log);
      assert.ok((await b.raw()).includes(secrets[0].d));
    } finally {
      await b.cleanup();
    }
  });
});

describe('secrets key: configuration and command', () => {
  it('`pixie secrets-key generate` prints a new 32-byte key; --help explains rotation', async () => {
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t), env: {} };
    assert.equal(await main(['secrets-key', 'generate'], io), 0);
    assert.equal(await main(['secrets-key', 'generate'], io), 0);
    const [a, b] = out.map((t) => t.trim());
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
    assert.equal(Buffer.from(a, 'base64url').length, 32);
    out.length = 0;
    assert.equal(await main(['secrets-key', '--help'], io), 0);
    assert.match(out.join(''), /pixie secrets-key rotate/);
    assert.match(out.join(''), /NEW,OLD/);
  });

  it('reads PIXIE_SECRETS_KEY or PIXIE_SECRETS_KEY_FILE, and names a bad key without printing it', () => {
    const [a, b] = [generateSecretsKey(), generateSecretsKey()];
    assert.deepEqual(loadConfig({}, { PIXIE_SECRETS_KEY: `${a},${b}` }).secretsKeys, [a, b]);
    const file = join(tempDir(), 'key');
    writeFileSync(file, `${a}\n`);
    assert.deepEqual(loadConfig({}, { PIXIE_SECRETS_KEY_FILE: file }).secretsKeys, [a]);
    const bad = `${a.slice(0, 20)}!`;
    assert.throws(() => loadConfig({}, { PIXIE_SECRETS_KEY: `${a},${bad}` }), (err: ConfigError) => {
      assert.match(err.message, /PIXIE_SECRETS_KEY: key 2 is not a secrets key \(32 random bytes in base64url/);
      assert.ok(!err.message.includes(bad) && !err.message.includes(a));
      return true;
    });
    assert.throws(() => loadConfig({}, { PIXIE_SECRETS_KEY: a, PIXIE_SECRETS_KEY_FILE: file }), /not both/);
    assert.throws(() => loadConfig({}, { PIXIE_SECRETS_KEY_FILE: join(file, 'missing') }), /cannot read PIXIE_SECRETS_KEY_FILE/);
  });

  it('an encrypted value opens only on its own row', () => {
    const ring = new SecretsKeyring([generateSecretsKey()]);
    const sealed = ring.seal('{"d":"x"}', 'row 1');
    assert.equal(ring.open(sealed, 'row 1'), '{"d":"x"}');
    assert.throws(() => ring.open(sealed, 'row 2'), /altered or copied from another row/);
  });
});
