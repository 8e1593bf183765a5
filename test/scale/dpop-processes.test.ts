/**
 * DPoP across processes (RFC 9449 §11.1): two `pixie serve` processes over one PostgreSQL
 * schema, behind one public URL, refuse a proof replayed at the other process (the jti is
 * remembered in the database), and agree on server nonces (made from a shared key).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { ImportFileData } from '../../src/import/schema.js';
import { jwtClaims, makeProof, proofKey } from '../helpers/dpop.js';
import { CONFIDENTIAL_CLIENT, FIXTURE } from '../helpers/fixture.js';
import { basic } from '../helpers/flow.js';
import { describeUnless, PG_SKIP } from '../helpers/postgres.js';
import { startProcessPair, type PixieProcess, type ProcessPair } from '../helpers/process.js';

const PUBLIC_URL = 'http://127.0.0.1:8998';

function imports(): ImportFileData {
  const data = structuredClone(FIXTURE);
  const def = data.tenants[0]!.servers![0]!;
  data.tenants[0]!.servers!.push({ id: 'strict', dpop: 'require', clients: structuredClone(def.clients!.filter((c) => c.client_id === CONFIDENTIAL_CLIENT)) });
  return data;
}

/** A client_credentials request to `p`, with a proof made for the public URL (what the client knows). */
function cc(p: PixieProcess, server: string, dpop: string): Promise<Response> {
  return fetch(`${p.url}/default/${server}/oauth2/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(), dpop },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read_inbox' }),
  });
}

describeUnless(PG_SKIP, 'DPoP with two pixie serve processes over one PostgreSQL database', () => {
  let pair: ProcessPair;
  let a: PixieProcess;
  let b: PixieProcess;

  before(async () => {
    pair = await startProcessPair(imports(), PUBLIC_URL);
    ({ a, b } = pair);
  });
  after(async () => { await pair?.stop(); });

  it('refuses at B a proof A accepted, and at A a proof B accepted', async () => {
    const key = await proofKey();
    const htu = `${PUBLIC_URL}/default/default/oauth2/token`;
    for (const [first, second] of [[a, b], [b, a]] as const) {
      const proof = await makeProof(key, { htu });
      const ok = await cc(first, 'default', proof);
      assert.equal(ok.status, 200);
      assert.deepEqual(jwtClaims((await ok.json()).access_token).cnf, { jkt: key.jkt });
      const replay = await cc(second, 'default', proof);
      assert.equal(replay.status, 400);
      assert.equal((await replay.json()).error, 'invalid_dpop_proof');
    }
  });

  it('lets exactly one of 20 concurrent uses of one proof across both processes succeed', async () => {
    const proof = await makeProof(await proofKey(), { htu: `${PUBLIC_URL}/default/default/oauth2/token` });
    const statuses = (await Promise.all(Array.from({ length: 20 }, (_, i) => cc(i % 2 ? a : b, 'default', proof)))).map((r) => r.status);
    assert.equal(statuses.filter((st) => st === 200).length, 1, statuses.join(','));
    assert.equal(statuses.filter((st) => st === 400).length, 19);
  });

  it('accepts at B the nonce A handed out (stateless nonces under a shared key)', async () => {
    const key = await proofKey();
    const htu = `${PUBLIC_URL}/default/strict/oauth2/token`;
    const asked = await cc(a, 'strict', await makeProof(key, { htu }));
    assert.equal((await asked.json()).error, 'use_dpop_nonce');
    const nonce = asked.headers.get('dpop-nonce')!;
    const atB = await cc(b, 'strict', await makeProof(key, { htu, nonce }));
    assert.equal(atB.status, 200);
    assert.equal((await atB.json()).token_type, 'DPoP');
  });
});
