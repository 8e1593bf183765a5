/**
 * The token endpoint without HTTP: Pixie's core and storage (SQLite, group commit) only, in this
 * process, on the bench fixture. Shows how much of a workload's cost is the core's, next to the
 * full HTTP numbers of `npm run bench` (docs/benchmarks.md). Never part of `npm test`.
 *   node --import tsx bench/core.ts            (BENCH_CORE_BATCH=3: requests per commit)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import { oauth21Policy } from '../src/core/policy.js';
import { handleTokenRequest } from '../src/core/token/endpoint.js';
import { generateOpaqueToken, hashOpaqueToken } from '../src/crypto/opaque-token.js';
import { createPixie } from '../src/server.js';
import { basicAuth, JWT_SERVER, OPAQUE_SERVER, PKCE, pixieImport, PUBLIC_CLIENT, REDIRECT_URI, TENANT } from './fixture.js';

const BATCH = Number(process.env.BENCH_CORE_BATCH ?? 3);
const N = Number(process.env.BENCH_CORE_REQUESTS ?? 10_000);
const dataDir = mkdtempSync(join(tmpdir(), 'pixie-core-bench-'));
const pixie = await createPixie({ ...DEFAULT_CONFIG, port: 0, dataDir, logLevel: 'silent', publicUrl: 'http://127.0.0.1:1' }, { imports: [pixieImport()] });
const { deps, registry } = pixie.app.pixie;

async function measure(name: string, request: (i: number) => Promise<unknown>): Promise<void> {
  const cpu = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    await request(i);
    if (i % BATCH === BATCH - 1) await deps.stores.sync();
  }
  const used = process.cpuUsage(cpu);
  console.log(`${name.padEnd(44)} ${((used.user + used.system) / N).toFixed(1)} µs CPU per request (${BATCH} per commit)`);
}

async function mintCodes(serverId: string, count: number): Promise<string[]> {
  const user = (await deps.stores.users.findByUsername(TENANT, 'bench'))!;
  const now = deps.clock.now();
  const grantId = await deps.stores.grants.remember({ tenantId: TENANT, serverId, clientId: PUBLIC_CLIENT, userId: user.id, id: `g-${serverId}`, scopes: ['api:read'], createdAt: now });
  const codes = Array.from({ length: count }, () => generateOpaqueToken('pxc'));
  for (const code of codes) {
    await deps.stores.codes.save({
      hash: hashOpaqueToken(code), tenantId: TENANT, serverId, clientId: PUBLIC_CLIENT, userId: user.id, grantId, redirectUri: REDIRECT_URI,
      scope: 'api:read', codeChallenge: PKCE.challenge, codeChallengeMethod: 'S256', nonce: null, authTime: now, expiresAt: now + 600,
      consumedAt: null, createdAt: now,
    });
  }
  await deps.stores.sync();
  return codes;
}

for (const round of [1, 2]) {
  const opaque = (await deps.directory.resolve(TENANT, OPAQUE_SERVER))!;
  const jwt = (await deps.directory.resolve(TENANT, JWT_SERVER))!;
  const codes = await mintCodes(OPAQUE_SERVER, N);
  console.log(`round ${round}`);
  await measure('authorization_code + PKCE, opaque (w1)', (i) => handleTokenRequest(deps, registry, opaque, {
    params: { grant_type: 'authorization_code', code: codes[i], redirect_uri: REDIRECT_URI, code_verifier: PKCE.verifier, client_id: PUBLIC_CLIENT },
    authorization: undefined, policy: oauth21Policy(opaque.server.settings),
  }));
  for (const [name, rs, kind] of [['client_credentials, opaque', opaque, 'opaque'], ['client_credentials, ES256 JWT (w3)', jwt, 'jwt']] as const) {
    const authorization = basicAuth(kind);
    await measure(name, () => handleTokenRequest(deps, registry, rs, {
      params: { grant_type: 'client_credentials', scope: 'api:read' }, authorization, policy: oauth21Policy(rs.server.settings),
    }));
  }
}
await pixie.close();
rmSync(dataDir, { recursive: true, force: true });
