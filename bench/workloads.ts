/**
 * The bench workloads, as jobs for the load generator. Each (workload, server) pair is a
 * Plan: how to build one run's job (minting the codes it needs first) and how to check after
 * the run that the codes it used are now spent.
 */
import {
  API_SCOPE, basicAuth, JWT_SERVER, OPAQUE_SERVER, PKCE, PUBLIC_CLIENT, REDIRECT_URI, RESOURCES, TENANT,
} from './fixture.js';
import { dpopProof, newDpopJwk } from './dpop.js';
import type { Job, JobResult, RequestSpec } from './loadgen.js';
import type { BenchProcess } from './processes.js';

export type ServerName = 'pixie' | 'oidc' | 'ceiling';

export interface Servers {
  pixie: { url: string; cookie: string };
  oidc: { url: string; proc: BenchProcess };
  ceiling: { url: string };
}

export interface Plan {
  /** Code workloads run a fixed number of requests (one pre-minted code each), others a duration. */
  usesCodes: boolean;
  prepare(size: { seconds: number; rate: number | null; connections: number }): Promise<Job>;
  /** After the run: a problem to report, or null. */
  check?(job: Job): Promise<string | null>;
}

export interface Workload {
  id: string;
  title: string;
  unit: 'req/s' | 'flows/s';
  /** Which ceiling row it is compared with (null: none). */
  ceiling: 'post' | 'get' | null;
  plans: Partial<Record<ServerName, Plan>>;
}

/** A warm-up of code workloads runs this many codes per connection. */
const WARMUP_CODES_PER_CONNECTION = 100;
/** Codes expire after 60 s (SPEC §4.2, node-oidc-provider's default): minting + run must fit. */
const MAX_CODE_SECONDS = 15;

const FORM = 'application/x-www-form-urlencoded';
const enc = encodeURIComponent;

function form(fields: Record<string, string>): string {
  return Object.entries(fields).map(([k, v]) => (v === '{code}' ? `${k}=${v}` : `${k}=${enc(v)}`)).join('&');
}

/** Body of a code exchange by the public client; `{code}` is filled per request. */
const CODE_EXCHANGE = form({
  grant_type: 'authorization_code', code: '{code}', redirect_uri: REDIRECT_URI, code_verifier: PKCE.verifier, client_id: PUBLIC_CLIENT,
});

function exchange(path: string): RequestSpec {
  return { method: 'POST', path, headers: { 'content-type': FORM }, body: CODE_EXCHANGE, codeFrom: 'list', expect: 200, expectBody: '"access_token"' };
}

function pixieAuthorizePath(server: string, scope: string): string {
  const q = new URLSearchParams({
    response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope, state: 'bench-state',
    code_challenge: PKCE.challenge, code_challenge_method: 'S256', ...(scope.includes('openid') ? { nonce: 'bench-nonce' } : {}),
  });
  return `/${TENANT}/${server}/oauth2/authorize?${q}`;
}

function codeCount(size: { seconds: number; rate: number | null; connections: number }): number {
  if (size.rate === null) return size.connections * WARMUP_CODES_PER_CONNECTION;
  return Math.max(size.connections * 20, Math.ceil(size.rate * Math.min(size.seconds, MAX_CODE_SECONDS)));
}

/** autocannon prepares one request ahead on each connection: a few codes stay unsent. */
function spare(connections: number): number {
  return connections * 2 + 5;
}

async function replayCheck(url: string, path: string, codes: string[]): Promise<string | null> {
  for (const code of codes.slice(0, 5)) {
    const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': FORM }, body: CODE_EXCHANGE.replace('{code}', enc(code)) });
    const body = await res.text();
    if (res.status !== 400 || !body.includes('invalid_grant')) return `a replayed code answered ${res.status} ${body.slice(0, 120)}`;
  }
  return null;
}

function pixieCodePlan(servers: Servers, server: string, scope: string, runJob: (job: Job) => Promise<JobResult>): Plan {
  const tokenPath = `/${TENANT}/${server}/oauth2/token`;
  return {
    usesCodes: true,
    async prepare(size) {
      const count = codeCount(size);
      // Pixie's codes come from its own authorize endpoint: signed-in session, remembered consent.
      const minted = await runJob({
        url: servers.pixie.url, connections: size.connections, amount: count + spare(size.connections),
        requests: [{ method: 'GET', path: pixieAuthorizePath(server, scope), headers: { cookie: servers.pixie.cookie }, capture: 'list', expect: 302 }],
      });
      if (minted.captured.length < count) throw new Error(`Pixie minted ${minted.captured.length} of ${count} codes: ${JSON.stringify(minted.statuses)}`);
      return { url: servers.pixie.url, connections: size.connections, amount: count, codes: minted.captured, requests: [exchange(tokenPath)] };
    },
    check: (job) => replayCheck(servers.pixie.url, tokenPath, job.codes!),
  };
}

function oidcCodePlan(servers: Servers, scope: string, resource: string): Plan {
  return {
    usesCodes: true,
    async prepare(size) {
      const count = codeCount(size);
      const { codes } = await servers.oidc.proc.request<{ codes: string[] }>(
        { type: 'mint', count: count + spare(size.connections), scope, resource, nonce: scope.includes('openid') ? 'bench-nonce' : undefined },
        'minted',
      );
      return { url: servers.oidc.url, connections: size.connections, amount: count, codes, requests: [exchange('/token')] };
    },
    check: (job) => replayCheck(servers.oidc.url, '/token', job.codes!),
  };
}

function durationPlan(url: string, requests: RequestSpec[]): Plan {
  return {
    usesCodes: false,
    prepare: async (size) => ({ url, connections: size.connections, duration: size.seconds, requests }),
  };
}

function post(path: string, body: string, expectBody: string, headers: Record<string, string> = {}): RequestSpec {
  return { method: 'POST', path, headers: { 'content-type': FORM, ...headers }, body, expect: 200, expectBody };
}

/**
 * Workload 3d: client_credentials with a fresh DPoP proof in each request; every answer must be a
 * DPoP-bound token. Afterwards one proof sent twice must be refused the second time, so both
 * servers are shown to remember `jti`s (RFC 9449 §11.1) rather than skip the replay check.
 */
function dpopClientCredentialsPlan(url: string, path: string, body: string, headers: Record<string, string>): Plan {
  const dpop = { jwk: newDpopJwk(), htm: 'POST' as const, htu: url + path };
  return {
    usesCodes: false,
    prepare: async (size) => ({ url, connections: size.connections, duration: size.seconds, requests: [{ ...post(path, body, '"token_type":"DPoP"', headers), dpop }] }),
    async check() {
      const proof = dpopProof(dpop);
      const send = () => fetch(url + path, { method: 'POST', headers: { 'content-type': FORM, ...headers, dpop: proof }, body });
      const first = await send();
      if (!(await first.text()).includes('"token_type":"DPoP"')) return `a DPoP token request answered ${first.status} without a DPoP token`;
      const replay = await send();
      const text = await replay.text();
      // RFC 9449 §11.1 names no error for a replay: Pixie says invalid_dpop_proof, node-oidc-provider invalid_grant.
      return replay.status === 400 && /"error":"(invalid_dpop_proof|invalid_grant)"/.test(text) ? null : `a replayed DPoP proof answered ${replay.status} ${text.slice(0, 120)}`;
    },
  };
}

function get(path: string, expectBody: string): RequestSpec {
  return { method: 'GET', path, expect: 200, expectBody };
}

export function workloads(servers: Servers, tokens: { pixieOpaque: string; oidcOpaque: string }, runJob: (job: Job) => Promise<JobResult>): Workload[] {
  const { pixie, oidc, ceiling } = servers;
  const clientCredentials = form({ grant_type: 'client_credentials', scope: API_SCOPE });
  const auth = { authorization: basicAuth('jwt') };
  const opaqueAuth = { authorization: basicAuth('opaque') };
  // ~200 bytes, the size of a code exchange: the ceiling parses it and answers a small JSON.
  const ceilingBody = CODE_EXCHANGE.replace('{code}', `pxc_${'x'.repeat(49)}`);
  const jwtIssuer = `/${TENANT}/${JWT_SERVER}`;
  return [
    {
      id: 'ceiling-post', title: 'ceiling: Fastify POST, ~200-byte form → small JSON', unit: 'req/s', ceiling: null,
      plans: { ceiling: durationPlan(ceiling.url, [post('/token', ceilingBody, '"ok":true')]) },
    },
    {
      id: 'ceiling-get', title: 'ceiling: Fastify GET → small JSON', unit: 'req/s', ceiling: null,
      plans: { ceiling: durationPlan(ceiling.url, [get('/static', '"ok":true')]) },
    },
    {
      id: 'w1', title: '1. authorization_code + PKCE, public client, opaque access token', unit: 'req/s', ceiling: 'post',
      plans: {
        pixie: pixieCodePlan(servers, OPAQUE_SERVER, API_SCOPE, runJob),
        oidc: oidcCodePlan(servers, API_SCOPE, RESOURCES.opaque),
      },
    },
    {
      id: 'w2', title: '2. authorization_code + PKCE + openid: ES256 JWT access token + ES256 ID token', unit: 'req/s', ceiling: 'post',
      plans: {
        pixie: pixieCodePlan(servers, JWT_SERVER, `openid profile ${API_SCOPE}`, runJob),
        oidc: oidcCodePlan(servers, `openid profile ${API_SCOPE}`, RESOURCES.jwt),
      },
    },
    {
      id: 'w3', title: '3. client_credentials, client_secret_basic, ES256 JWT access token', unit: 'req/s', ceiling: 'post',
      plans: {
        pixie: durationPlan(pixie.url, [post(`${jwtIssuer}/oauth2/token`, clientCredentials, '"access_token"', auth)]),
        oidc: durationPlan(oidc.url, [post('/token', clientCredentials, '"access_token"', auth)]),
      },
    },
    {
      id: 'w3d', title: '3d. client_credentials + DPoP proof, client_secret_basic, ES256 proof with a fresh jti per request, DPoP-bound ES256 JWT access token', unit: 'req/s', ceiling: 'post',
      plans: {
        pixie: dpopClientCredentialsPlan(pixie.url, `${jwtIssuer}/oauth2/token`, clientCredentials, auth),
        oidc: dpopClientCredentialsPlan(oidc.url, '/token', clientCredentials, auth),
      },
    },
    {
      id: 'w4', title: '4. introspection of a valid opaque access token', unit: 'req/s', ceiling: 'post',
      plans: {
        pixie: durationPlan(pixie.url, [post(`/${TENANT}/${OPAQUE_SERVER}/oauth2/introspect`, form({ token: tokens.pixieOpaque }), '"active":true', opaqueAuth)]),
        oidc: durationPlan(oidc.url, [post('/token/introspection', form({ token: tokens.oidcOpaque }), '"active":true', auth)]),
      },
    },
    {
      id: 'w5', title: '5. full browserless flow: authorize (session cookie) → 302 with code → token', unit: 'flows/s', ceiling: null,
      plans: {
        pixie: durationPlan(pixie.url, [
          { method: 'GET', path: pixieAuthorizePath(OPAQUE_SERVER, API_SCOPE), headers: { cookie: pixie.cookie }, capture: 'context', expect: 302 },
          { ...exchange(`/${TENANT}/${OPAQUE_SERVER}/oauth2/token`), codeFrom: 'context' },
        ]),
      },
    },
    {
      id: 'w6a', title: '6a. discovery document GET', unit: 'req/s', ceiling: 'get',
      plans: {
        pixie: durationPlan(pixie.url, [get(`${jwtIssuer}/.well-known/openid-configuration`, '"issuer"')]),
        oidc: durationPlan(oidc.url, [get('/.well-known/openid-configuration', '"issuer"')]),
      },
    },
    {
      id: 'w6b', title: '6b. JWKS GET', unit: 'req/s', ceiling: 'get',
      plans: {
        pixie: durationPlan(pixie.url, [get(`${jwtIssuer}/.well-known/jwks.json`, '"keys"')]),
        oidc: durationPlan(oidc.url, [get('/jwks', '"keys"')]),
      },
    },
  ];
}
