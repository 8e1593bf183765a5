/**
 * `pixie token --dpop` (RFC 9449): the real command against a small stand-in authorization server
 * that checks every proof the way RFC 9449 §4.3 says and asks for a nonce first (§8), and whose
 * DPoP-bound tokens a resource API built with @pixie-auth/verify accepts with the printed curl
 * line's headers. Key generation, JWK and PEM key files, saving the key (0600) and --refresh.
 * Then against a real Pixie: the code flow, the curl line at its userinfo endpoint, the token
 * checked by @pixie-auth/verify, and the bound refresh token refused with another key.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, EmbeddedJWK, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import { createVerifier, fastifyAuth, type FastifyLikeRequest } from '../../packages/verify/src/index.js';
import { keyFromJwk, makeProof } from '../../src/cli/token/dpop.js';
import { PRINTED_URL, runCli, runCliInProcess, type CliSession } from '../helpers/cli.js';
import { FIXTURE, PUBLIC_CLIENT, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

interface SeenProof { header: Record<string, unknown>; claims: Record<string, unknown>; jkt: string }

/** A token endpoint that follows RFC 9449: nonce first, proof checked, token bound to the proof's key. */
class StandInServer {
  server!: Server;
  url = '';
  proofs: SeenProof[] = [];
  /** The jkt each refresh token is bound to (RFC 9449 §5: public clients). */
  readonly refreshBindings = new Map<string, string>();
  nonce = 'nonce-1';
  /** When false, the server ignores DPoP and answers token_type Bearer, as a server without DPoP does. */
  dpop = true;
  private signer!: CryptoKey;
  private jwk!: JWK;
  private counter = 0;

  async start(): Promise<void> {
    const pair = await generateKeyPair('ES256');
    this.signer = pair.privateKey as CryptoKey;
    this.jwk = { ...(await exportJWK(pair.publicKey)), kid: 'as1', alg: 'ES256', use: 'sig' };
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        this.handle(req.method!, req.url!, req.headers.dpop, new URLSearchParams(body)).then(({ status, json, headers }) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(json));
        }, (err: Error) => { res.writeHead(500); res.end(err.message); });
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(method: string, path: string, dpop: string | string[] | undefined, form: URLSearchParams) {
    if (path === '/.well-known/openid-configuration') {
      return { status: 200, json: { issuer: this.url, jwks_uri: `${this.url}/jwks`, token_endpoint: `${this.url}/token`, authorization_endpoint: `${this.url}/authorize` } };
    }
    if (path === '/jwks') return { status: 200, json: { keys: [this.jwk] } };
    if (path !== '/token' || method !== 'POST') return { status: 404, json: {} };
    let jkt: string | null = null;
    if (this.dpop) {
      if (typeof dpop !== 'string') return { status: 400, json: { error: 'invalid_dpop_proof', error_description: 'no proof' } };
      const { payload, protectedHeader } = await jwtVerify(dpop, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256', 'ES384', 'EdDSA', 'RS256'] });
      jkt = await calculateJwkThumbprint(protectedHeader.jwk!, 'sha256');
      this.proofs.push({ header: protectedHeader as Record<string, unknown>, claims: payload as Record<string, unknown>, jkt });
      if (payload.htm !== 'POST' || payload.htu !== `${this.url}/token` || typeof payload.jti !== 'string' || typeof payload.iat !== 'number' || payload.ath !== undefined) {
        return { status: 400, json: { error: 'invalid_dpop_proof', error_description: 'wrong claims' } };
      }
      if (payload.nonce !== this.nonce) {
        return { status: 400, json: { error: 'use_dpop_nonce', error_description: 'use the nonce' }, headers: { 'dpop-nonce': this.nonce } };
      }
    }
    const grant = form.get('grant_type');
    if (grant === 'refresh_token') {
      const bound = this.refreshBindings.get(form.get('refresh_token') ?? '');
      if (bound === undefined) return { status: 400, json: { error: 'invalid_grant' } };
      if (bound !== (jkt ?? '')) return { status: 400, json: { error: 'invalid_dpop_proof', error_description: 'the refresh token is bound to another key' } };
    } else if (grant !== 'authorization_code' || form.get('code') !== 'the-code') {
      return { status: 400, json: { error: 'invalid_grant' } };
    }
    const refresh = `rt-${++this.counter}`;
    this.refreshBindings.set(refresh, jkt ?? '');
    const access = await new SignJWT({ client_id: form.get('client_id'), scope: 'read_inbox', ...(jkt ? { cnf: { jkt } } : {}) })
      .setProtectedHeader({ alg: 'ES256', kid: 'as1', typ: 'at+jwt' }).setIssuer(this.url).setSubject('alice')
      .setIssuedAt().setExpirationTime('5m').sign(this.signer);
    return { status: 200, json: { access_token: access, token_type: jkt ? 'DPoP' : 'Bearer', expires_in: 300, refresh_token: refresh } };
  }
}

let as: StandInServer;
let api: FastifyInstance;
let apiUrl = '';
let configDir: string;
let pixie: TestServer;
/** A Pixie whose server has `dpop: require`: every token request needs a proof with its nonce. */
let strict: TestServer;

before(async () => {
  as = new StandInServer();
  const requiring = structuredClone(FIXTURE);
  requiring.tenants[0]!.servers![0]!.dpop = 'require';
  await Promise.all([
    as.start(),
    startTestServer().then((started) => { pixie = started; }),
    startTestServer({ imports: [requiring] }).then((started) => { strict = started; }),
  ]);
  configDir = mkdtempSync(join(tmpdir(), 'pixie-config-'));
  // A resource API checking DPoP with @pixie-auth/verify: the printed curl line must pass it.
  const verifier = createVerifier({ issuer: as.url });
  api = Fastify();
  api.get('/inbox', { preHandler: fastifyAuth(verifier) }, async (request) => ({ jkt: (request as FastifyLikeRequest).auth!.dpopJkt }));
  await api.listen({ port: 0, host: '127.0.0.1' });
  apiUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/inbox`;
});
after(async () => {
  as.server.close();
  await Promise.all([api.close(), pixie.close(), strict.close()]);
  rmSync(configDir, { recursive: true, force: true });
});

function token(args: string[]): CliSession {
  return runCliInProcess(['token', '--no-browser', ...args], { PIXIE_CONFIG_DIR: configDir });
}

/** Run the authorization-code flow: the "browser" comes back to the loopback with the code. */
async function authorize(extra: string[]): Promise<{ run: CliSession; authorizeUrl: URL }> {
  const run = token(['--authorize-url', `${as.url}/authorize`, '--token-url', `${as.url}/token`, '--client-id', 'cli', ...extra]);
  const authorizeUrl = new URL((await run.waitFor(PRINTED_URL))[1]!);
  const back = new URL(authorizeUrl.searchParams.get('redirect_uri')!);
  back.searchParams.set('code', 'the-code');
  back.searchParams.set('state', authorizeUrl.searchParams.get('state')!);
  assert.equal((await fetch(back)).status, 200);
  return { run, authorizeUrl };
}

/** The headers of the printed curl line. */
function curlHeaders(stderr: string): { authorization: string; dpop: string; url: string } {
  const m = /^ {2}curl -H 'Authorization: (DPoP [^']+)' -H 'DPoP: ([^']+)' '([^']+)'$/m.exec(stderr);
  assert.ok(m, `no curl line in:\n${stderr}`);
  return { authorization: m[1]!, dpop: m[2]!, url: m[3]! };
}

describe('pixie token --dpop', () => {
  it('binds the code and the token to a new ES256 key, follows the nonce, saves the key 0600 and refreshes with it', async () => {
    as.proofs = [];
    const { run, authorizeUrl } = await authorize(['--dpop', '--api-url', apiUrl, '--save', 'bound', '--json']);
    assert.equal(await run.exit, 0, run.stderr());
    const fields = JSON.parse(run.stdout());
    assert.equal(fields.token_type, 'DPoP');

    // One proof without the nonce, answered use_dpop_nonce, then one with it (RFC 9449 §8).
    assert.equal(as.proofs.length, 2);
    const [first, second] = as.proofs;
    assert.equal(first!.claims.nonce, undefined);
    assert.equal(second!.claims.nonce, 'nonce-1');
    assert.notEqual(first!.claims.jti, second!.claims.jti, 'a fresh jti per proof');
    assert.equal(second!.header.alg, 'ES256');
    assert.equal(second!.header.typ, 'dpop+jwt');
    assert.equal((second!.header.jwk as JWK).d, undefined, 'the proof carries the public key only');
    assert.equal(authorizeUrl.searchParams.get('dpop_jkt'), second!.jkt, 'RFC 9449 §10: the authorization request names the key');
    assert.deepEqual(decodeJwt(fields.access_token).cnf, { jkt: second!.jkt });

    // The curl line: token and a fresh proof for GET on --api-url, accepted by a verifying API once.
    assert.match(run.stderr(), new RegExp(`DPoP-bound to key ${second!.jkt}`));
    const call = curlHeaders(run.stderr());
    assert.equal(call.url, apiUrl);
    assert.equal(call.authorization, `DPoP ${fields.access_token}`);
    const proof = decodeJwt(call.dpop);
    assert.deepEqual([proof.htm, proof.htu, proof.nonce], ['GET', apiUrl, undefined]);
    const ok = await fetch(call.url, { headers: { authorization: call.authorization, dpop: call.dpop } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { jkt: second!.jkt });
    const replay = await fetch(call.url, { headers: { authorization: call.authorization, dpop: call.dpop } });
    assert.equal(replay.status, 401);
    assert.match(replay.headers.get('www-authenticate')!, /^DPoP .*error="invalid_dpop_proof"/);

    const file = join(configDir, 'tokens.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8')).tokens.bound;
    assert.equal(saved.dpop_jwk.kty, 'EC');
    assert.equal(typeof saved.dpop_jwk.d, 'string');
    assert.equal(await calculateJwkThumbprint(saved.dpop_jwk, 'sha256'), second!.jkt);

    // The refresh token is bound to the key (public client): --refresh proves the saved key.
    as.proofs = [];
    const refreshed = token(['--refresh', 'bound']);
    assert.equal(await refreshed.exit, 0, refreshed.stderr());
    assert.equal(as.proofs.length, 2, 'a new process learns the nonce again');
    assert.ok(as.proofs.every((p) => p.jkt === second!.jkt), 'every proof is signed by the saved key');
    const newToken = refreshed.stdout().trim();
    assert.deepEqual(decodeJwt(newToken).cnf, { jkt: second!.jkt });
    assert.match(refreshed.stderr(), /placeholder: pass --api-url URL/);
    assert.equal(curlHeaders(refreshed.stderr()).url, 'https://api.example.com/');
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).tokens.bound.dpop_jwk.d, saved.dpop_jwk.d, 'the key stays saved');
  });

  it('uses a key from a JWK or PEM file (EC, Ed25519, RSA)', async () => {
    const cases: [string, string, string][] = [];
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    cases.push(['ec.jwk', JSON.stringify(ec.privateKey.export({ format: 'jwk' })), 'ES256']);
    cases.push(['ec.pem', ec.privateKey.export({ format: 'pem', type: 'sec1' }).toString(), 'ES256']);
    const ed = generateKeyPairSync('ed25519');
    cases.push(['ed.pem', ed.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 'EdDSA']);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    cases.push(['rsa.pem', rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(), 'RS256']);
    for (const [name, text, alg] of cases) {
      const file = join(configDir, name);
      writeFileSync(file, text, { mode: 0o600 });
      as.proofs = [];
      const { run } = await authorize(['--dpop', '--dpop-key', file]);
      assert.equal(await run.exit, 0, run.stderr());
      const used = as.proofs.at(-1)!;
      assert.equal(used.header.alg, alg, name);
      const publicJwk = name === 'ec.jwk' ? ec.publicKey.export({ format: 'jwk' }) : undefined;
      if (publicJwk) assert.equal(used.jkt, await calculateJwkThumbprint(publicJwk as JWK, 'sha256'));
      assert.equal(decodeProtectedHeader(curlHeaders(run.stderr()).dpop).alg, alg);
    }
  });

  it('refuses a public key, an unsupported curve, an unreadable file and bad flags', async () => {
    const pub = join(configDir, 'public.jwk');
    writeFileSync(pub, JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })));
    const k1 = join(configDir, 'k1.pem');
    writeFileSync(k1, generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const expectations: [string[], RegExp][] = [
      [['--dpop', '--dpop-key', pub], /must be a private key/],
      [['--dpop', '--dpop-key', k1], /must be EC P-256 or P-384, Ed25519 or RSA; got EC secp256k1/],
      [['--dpop', '--dpop-key', join(configDir, 'missing.pem')], /cannot read the DPoP key/],
      [['--dpop', '--dpop-key', join(configDir, 'tokens.json')], /must be a private key/],
    ];
    for (const [args, message] of expectations) {
      const run = token(['--authorize-url', `${as.url}/authorize`, '--token-url', `${as.url}/token`, '--client-id', 'cli', ...args]);
      assert.equal(await run.exit, 1, String(args));
      assert.match(run.stderr(), message);
    }
    for (const [args, message] of [
      [['--dpop-key', pub], /--dpop-key goes with --dpop/],
      [['--api-url', apiUrl], /--api-url goes with --dpop/],
      [['--dpop', '--api-url', 'ftp://x'], /--api-url must be an absolute http\(s\) URL/],
    ] as [string[], RegExp][]) {
      const run = runCli(['token', '--no-browser', '--issuer', as.url, '--client-id', 'cli', ...args], { PIXIE_CONFIG_DIR: configDir });
      assert.equal(await run.exit, 2, String(args));
      assert.match(run.stderr(), message);
    }
  });

  it('says so when the server ignores DPoP and issues a bearer token, and does not save the key', async () => {
    as.dpop = false;
    try {
      const { run } = await authorize(['--dpop', '--save', 'plain']);
      assert.equal(await run.exit, 0, run.stderr());
      assert.match(run.stderr(), /token_type "Bearer", not DPoP/);
      assert.doesNotMatch(run.stderr(), /curl/);
      assert.equal(JSON.parse(readFileSync(join(configDir, 'tokens.json'), 'utf8')).tokens.plain.dpop_jwk, undefined);
    } finally {
      as.dpop = true;
    }
  });
});

describe('pixie token --dpop against Pixie', () => {
  it('gets a DPoP-bound token through the code flow; the curl line works at userinfo once; --refresh keeps the key', async () => {
    const userinfo = `${pixie.issuer}/userinfo`;
    const run = token(['--issuer', pixie.issuer, '--client-id', PUBLIC_CLIENT, '--scope', 'openid profile read_inbox offline_access',
      '--dpop', '--api-url', userinfo, '--save', 'pixie', '--json']);
    const url = new URL((await run.waitFor(PRINTED_URL))[1]!);
    // Pixie names a PAR endpoint: dpop_jkt (RFC 9449 §10) went with the pushed request.
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    const back = await new UserAgent(pixie.url).authorize(url.toString(), USER);
    assert.equal((await fetch(back)).status, 200);
    assert.equal(await run.exit, 0, run.stderr());
    const fields = JSON.parse(run.stdout());
    assert.equal(fields.token_type, 'DPoP');
    const { jkt } = decodeJwt(fields.access_token).cnf as { jkt: string };

    // The printed call, as curl would send it, at Pixie's own DPoP-protected userinfo endpoint.
    const call = curlHeaders(run.stderr());
    assert.equal(call.url, userinfo);
    const info = await fetch(call.url, { headers: { authorization: call.authorization, dpop: call.dpop } });
    assert.equal(info.status, 200, await info.clone().text());
    assert.equal((await info.json()).preferred_username, USER.username);
    const replay = await fetch(call.url, { headers: { authorization: call.authorization, dpop: call.dpop } });
    assert.equal(replay.status, 401);
    assert.match(replay.headers.get('www-authenticate')!, /^DPoP .*error="invalid_dpop_proof"/);
    const bearer = await fetch(call.url, { headers: { authorization: `Bearer ${fields.access_token}` } });
    assert.equal(bearer.status, 401, 'a bound token without its proof is refused');

    // @pixie-auth/verify accepts Pixie's bound token with a proof of the saved key, and only so.
    const saved = JSON.parse(readFileSync(join(configDir, 'tokens.json'), 'utf8')).tokens.pixie;
    const key = await keyFromJwk(saved.dpop_jwk);
    assert.equal(key.jkt, jkt);
    const verifier = createVerifier({ issuer: pixie.issuer });
    const api = 'https://api.example.com/inbox';
    const who = await verifier.verify(fields.access_token, { dpop: { scheme: 'DPoP', proof: await makeProof(key, 'GET', api, fields.access_token), method: 'GET', url: api } });
    assert.equal(who.dpopJkt, jkt);
    await assert.rejects(verifier.verify(fields.access_token), { reason: 'dpop_required' });

    // The refresh token of a public client is bound to the key: --refresh proves the saved one.
    const refreshed = token(['--refresh', 'pixie']);
    assert.equal(await refreshed.exit, 0, refreshed.stderr());
    assert.deepEqual(decodeJwt(refreshed.stdout().trim()).cnf, { jkt });
    const otherKey = join(configDir, 'other.pem');
    writeFileSync(otherKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const stolen = token(['--refresh', 'pixie', '--dpop-key', otherKey]);
    assert.equal(await stolen.exit, 1);
    assert.match(stolen.stderr(), /the token endpoint refused the request \(HTTP 400\): (invalid_grant|invalid_dpop_proof) — .*another key/);
  });

  it('on a server with dpop: require, follows use_dpop_nonce with one retry, also for --refresh', async () => {
    const run = token(['--issuer', strict.issuer, '--client-id', PUBLIC_CLIENT, '--scope', 'read_inbox offline_access', '--dpop', '--save', 'strict']);
    const back = await new UserAgent(strict.url).authorize((await run.waitFor(PRINTED_URL))[1]!, USER);
    assert.equal((await fetch(back)).status, 200);
    assert.equal(await run.exit, 0, run.stderr());
    const jkt = (decodeJwt(run.stdout().trim()).cnf as { jkt: string }).jkt;
    const refreshed = token(['--refresh', 'strict']);
    assert.equal(await refreshed.exit, 0, refreshed.stderr());
    assert.deepEqual(decodeJwt(refreshed.stdout().trim()).cnf, { jkt });
    // Without --dpop the same server refuses the request: the retry above is what made it work.
    const bearer = token(['--issuer', strict.issuer, '--client-id', PUBLIC_CLIENT, '--scope', 'read_inbox']);
    const again = await new UserAgent(strict.url).authorize((await bearer.waitFor(PRINTED_URL))[1]!, USER);
    await fetch(again);
    assert.equal(await bearer.exit, 1);
    assert.match(bearer.stderr(), /invalid_dpop_proof/);
  });
});
