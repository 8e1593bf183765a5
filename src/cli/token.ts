/**
 * `pixie token`: the whole Authorization Code + PKCE flow from a terminal (or, with --device, the
 * device authorization grant of RFC 8628, src/cli/token/device.ts).
 * Discovery (or explicit endpoints), PKCE S256, state, nonce for OIDC, a loopback listener
 * (RFC 8252) or a pasted login_success URL, the state/iss checks, the code exchange, and
 * printing or saving the result. Progress goes to stderr; only the token goes to stdout.
 */
import { parseArgs } from 'node:util';
import { challengeFor } from '../core/pkce.js';
import { resourceUriProblem } from '../core/resource.js';
import { randomBase64url, randomUnreserved } from '../crypto/random.js';
import { openBrowser } from './token/browser.js';
import { FlowError } from './token/errors.js';
import { chooseAuthMethod, lifetimeOf, tokenRequest, type ClientCredentials, type SecretMethod, type TokenFields } from './token/exchange.js';
import { dpopKeyFlags, generateDpopKey, keyFromJwk, readDpopKey, reportDpop, type DpopKey } from './token/dpop.js';
import { pollForToken, requestDeviceCode, showInstructions } from './token/device.js';
import { checkIdToken } from './token/id-token.js';
import { startLoopback } from './token/loopback.js';
import { resolveEndpoints, type Endpoints } from './token/metadata.js';
import { pushedAuthorizationUrl } from './token/par.js';
import { registerPublicClient } from './token/register.js';
import { readPasted } from './token/paste.js';
import { codeFromResponse, parsePasted } from './token/response.js';
import { checkName, loadToken, saveToken, type SavedToken } from './token/store.js';
import { UsageError } from './pkce.js';
import type { CliIO } from './run.js';

const OPTIONS = {
  issuer: { type: 'string' }, 'authorize-url': { type: 'string' }, 'token-url': { type: 'string' },
  'client-id': { type: 'string' }, 'client-secret': { type: 'string' }, 'client-auth': { type: 'string' }, scope: { type: 'string' },
  'redirect-uri': { type: 'string' }, paste: { type: 'boolean' }, 'no-browser': { type: 'boolean' },
  json: { type: 'boolean' }, save: { type: 'string' }, refresh: { type: 'string' }, timeout: { type: 'string' },
  register: { type: 'boolean' }, 'initial-access-token': { type: 'string' },
  resource: { type: 'string', multiple: true },
  'no-par': { type: 'boolean' },
  dpop: { type: 'boolean' }, 'dpop-key': { type: 'string' }, 'api-url': { type: 'string' },
  device: { type: 'boolean' }, 'no-qr': { type: 'boolean' },
} as const;

type Flags = ReturnType<typeof parseFlags>;

function parseFlags(argv: string[]) {
  return parseArgs({ args: argv, strict: true, options: OPTIONS }).values;
}

/** Where the command talks: progress on `say` (stderr), the token on `out` (stdout). */
interface Terminal {
  say: (message: string) => void;
  out: (text: string) => void;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream | undefined;
  /** Writes to the progress stream without a line end. */
  write: (text: string) => void;
  tty: boolean;
}

/** Runs the command; returns the exit status (0 ok, 1 flow failure). Usage errors throw. */
export async function tokenCommand(argv: string[], io: CliIO): Promise<number> {
  const t: Terminal = {
    say: (message) => io.err(`${message}\n`), out: (text) => io.out(text), env: io.env, stdin: io.stdin, write: (text) => io.err(text), tty: io.errIsTTY === true,
  };
  const flags = parseFlags(argv);
  const timeout = flags.timeout === undefined ? 300 : Number(flags.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError('--timeout must be a positive number of seconds');
  if (flags.save !== undefined) checkName(flags.save);
  clientAuthFlag(flags);
  resourceFlags(flags);
  dpopKeyFlags(flags);
  checkDeviceFlags(flags);
  try {
    const fields = flags.refresh !== undefined ? await refresh(t, flags, flags.refresh)
      : flags.device ? await device(t, flags, flags.timeout === undefined ? Infinity : timeout) : await authorize(t, flags, timeout);
    t.out(flags.json ? `${JSON.stringify(fields, null, 2)}\n` : `${fields.access_token}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof FlowError)) throw err;
    t.say(`pixie token: ${err.message}`);
    return 1;
  }
}

/**
 * How the secret travels: servers that enforce the client's registered
 * token_endpoint_auth_method refuse the other way, so it can be chosen.
 */
function clientAuthFlag(flags: Flags): SecretMethod | undefined {
  const value = flags['client-auth'];
  if (value === undefined) return undefined;
  if (value !== 'basic' && value !== 'post') throw new UsageError('--client-auth must be basic (Authorization header) or post (form body)');
  if (flags['client-secret'] === undefined) throw new UsageError('--client-auth needs --client-secret');
  return value;
}

function checkDeviceFlags(flags: Flags): void {
  if (!flags.device) {
    if (flags['no-qr']) throw new UsageError('--no-qr goes with --device');
    return;
  }
  for (const other of ['refresh', 'register', 'paste', 'redirect-uri', 'authorize-url', 'token-url', 'no-browser'] as const) {
    if (flags[other] !== undefined) throw new UsageError(`--device does not go with --${other}`);
  }
  if (!flags.issuer) throw new UsageError('--device needs --issuer (its discovery names the device authorization endpoint)');
  if (!flags['client-id']) throw new UsageError('--device needs --client-id');
}

function checkRegisterFlags(flags: Flags): void {
  if (flags.register) {
    if (flags['client-id']) throw new UsageError('--register makes a new client: leave out --client-id');
    if (flags['client-secret']) throw new UsageError('--register makes a public client: leave out --client-secret');
    if (flags.paste) throw new UsageError('--register needs the loopback redirect: leave out --paste');
    if (!flags.issuer || flags['authorize-url']) throw new UsageError('--register needs --issuer (its discovery names the registration endpoint)');
  } else {
    if (flags['initial-access-token']) throw new UsageError('--initial-access-token goes with --register');
    if (!flags['client-id']) throw new UsageError('--client-id is required (or --register to register a client dynamically where the server allows it)');
  }
}

/** `--resource URI`, repeatable (RFC 8707): each an absolute URI without fragment. */
function resourceFlags(flags: Flags): string[] {
  const values = flags.resource ?? [];
  for (const v of values) {
    const problem = resourceUriProblem(v);
    if (problem) throw new UsageError(`--resource "${v.slice(0, 80)}" ${problem}`);
  }
  return values;
}

/** --dpop: the key of --dpop-key, or a new one; none without --dpop. */
async function newDpopKey(flags: Flags): Promise<DpopKey | undefined> {
  if (!flags.dpop) return undefined;
  return flags['dpop-key'] !== undefined ? readDpopKey(flags['dpop-key']) : generateDpopKey();
}

async function authorize(t: Terminal, flags: Flags, timeout: number): Promise<TokenFields> {
  const { say } = t;
  checkRegisterFlags(flags);
  const endpoints = await resolveEndpoints({ issuer: flags.issuer, authorizeUrl: flags['authorize-url'], tokenUrl: flags['token-url'] });
  if (flags.register && !endpoints.registrationEndpoint) {
    throw new FlowError(`${endpoints.issuer} does not offer dynamic client registration (no registration_endpoint in its discovery document); give --client-id`);
  }
  const verifier = randomUnreserved(64);
  const state = randomBase64url(16);
  const scope = flags.scope ?? '';
  // OIDC Core §3.1.2.1: a nonce ties the ID token to this request.
  const nonce = scope.split(/[\s,]+/).includes('openid') ? randomBase64url(16) : null;
  const dpopKey = await newDpopKey(flags);

  const loopback = flags.paste ? null : await startLoopback(flags['redirect-uri']);
  const redirectUri = loopback?.redirectUri ?? flags['redirect-uri'] ?? `${new URL(endpoints.authorizationEndpoint).origin}/oauth/login_success`;
  let clientId = flags['client-id']!;
  if (flags.register) {
    try {
      const registered = await registerPublicClient(endpoints.registrationEndpoint!, redirectUri, scope, flags['initial-access-token']);
      clientId = registered.clientId;
      say(`Registered a public client at ${endpoints.registrationEndpoint}: client_id ${clientId} (redirect URI ${redirectUri}).`);
      say(`  Reuse it with --client-id ${clientId}; unused dynamically registered clients expire.`);
    } catch (err) {
      loopback?.close();
      throw err;
    }
  }
  const params: Record<string, string> = {
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, state,
    code_challenge: challengeFor(verifier, 'S256'), code_challenge_method: 'S256',
    ...(scope ? { scope } : {}), ...(nonce ? { nonce } : {}),
    // RFC 9449 §10: the code is bound to the key, so only this client can redeem it.
    ...(dpopKey ? { dpop_jkt: dpopKey.jkt } : {}),
  };
  // RFC 8707: the token is for these APIs (its aud); sent again on the token request.
  const resources = resourceFlags(flags);
  const credentials = credentialsOf(flags, clientId, endpoints);
  let url: URL;
  try {
    url = await authorizationUrl(t, flags, endpoints, params, resources, credentials);
  } catch (err) {
    loopback?.close();
    throw err;
  }

  say(flags['no-browser'] ? 'Open this URL in your browser to sign in:' : 'Opening your browser to sign in. If it does not open, visit:');
  say(`  ${url}`);
  if (!flags['no-browser']) openBrowser(url.toString());

  const paste = loopback ? null
    : readPasted('When the browser shows the login_success page, paste its URL (or the code) here and press Enter:\n', t.stdin, (text) => t.say(text.replace(/\n$/, '')));
  const answer = loopback ? loopback.response.then((p) => ({ params: p, bareCode: false })) : paste!.line.then(parsePasted);
  if (!loopback) say(`Waiting for the paste (up to ${timeout} s)…`);
  else say(`Waiting for the browser on ${loopback.redirectUri} (up to ${timeout} s)…`);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FlowError(`timed out after ${timeout} s waiting for the authorization response (use --timeout to wait longer)`)), timeout * 1000);
  });
  try {
    const { params: response, bareCode } = await Promise.race([answer, deadline]);
    let code: string;
    if (bareCode) {
      say('Note: a bare code was pasted, so state and iss could not be checked. Paste the whole URL to have them checked.');
      code = response.get('code')!;
    } else {
      try {
        code = codeFromResponse(response, { state, issuer: endpoints.issuer, issRequired: endpoints.issRequired });
      } catch (err) {
        loopback?.answer(false, (err as Error).message);
        throw err;
      }
    }
    loopback?.answer(true, 'Pixie received the authorization code and is exchanging it for a token.');
    say('Exchanging the code for a token…');
    const fields = await tokenRequest(endpoints.tokenEndpoint, {
      grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier,
    }, credentials, resources, dpopKey);
    if (nonce && typeof fields.id_token === 'string') {
      await checkIdToken(fields.id_token, { nonce, clientId, issuer: endpoints.issuer, jwksUri: endpoints.jwksUri });
    }
    await finish(t, flags, fields, endpoints, credentials, dpopKey);
    return fields;
  } finally {
    clearTimeout(timer);
    loopback?.close();
    paste?.close();
  }
}

/**
 * The URL the browser opens. Where discovery names a pushed authorization request endpoint
 * (RFC 9126), the parameters are pushed there first, with the client's authentication, and the
 * URL carries only client_id and the request_uri; --no-par puts them in the URL instead.
 */
async function authorizationUrl(
  t: Terminal, flags: Flags, endpoints: Endpoints, params: Record<string, string>, resources: string[], client: ClientCredentials,
): Promise<URL> {
  if (endpoints.parEndpoint && !flags['no-par']) {
    t.say(`Sending the sign-in request straight to the server first (pushed authorization request, ${endpoints.parEndpoint}),`);
    t.say('  so the browser URL carries only a one-time reference to it.');
    return pushedAuthorizationUrl(endpoints.parEndpoint, endpoints.authorizationEndpoint, params, resources, client);
  }
  if (flags['no-par'] && endpoints.parRequired) {
    t.say('Note: this server requires pushed authorization requests (require_pushed_authorization_requests); without them it will refuse the sign-in.');
  }
  const url = new URL(endpoints.authorizationEndpoint);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  for (const r of resources) url.searchParams.append('resource', r);
  return url;
}

/** RFC 8628: the user approves on another device; this one polls. */
async function device(t: Terminal, flags: Flags, timeout: number): Promise<TokenFields> {
  const endpoints = await resolveEndpoints({ issuer: flags.issuer });
  if (!endpoints.deviceAuthorizationEndpoint) {
    throw new FlowError(`${endpoints.issuer} does not offer the device authorization grant (no device_authorization_endpoint in its discovery document)`);
  }
  const clientId = flags['client-id']!;
  const client = credentialsOf(flags, clientId, endpoints);
  const resources = resourceFlags(flags);
  const authorization = await requestDeviceCode(endpoints.deviceAuthorizationEndpoint, client, flags.scope ?? '', resources);
  const terminal = { say: t.say, write: t.write, tty: t.tty, qr: !flags['no-qr'] };
  showInstructions(terminal, authorization);
  const dpopKey = await newDpopKey(flags);
  const fields = await pollForToken(terminal, endpoints.tokenEndpoint, authorization, client, resources, timeout, dpopKey);
  // No nonce in this grant: the ID token is checked for its signature, issuer and audience.
  if (typeof fields.id_token === 'string') {
    await checkIdToken(fields.id_token, { nonce: null, clientId, issuer: endpoints.issuer, jwksUri: endpoints.jwksUri });
  }
  await finish(t, flags, fields, endpoints, client, dpopKey);
  return fields;
}

/** How the client authenticates: --client-auth, else what discovery lists for its secret. */
function credentialsOf(flags: Flags, clientId: string, endpoints: Endpoints): ClientCredentials {
  return { clientId, clientSecret: flags['client-secret'], method: clientAuthFlag(flags) ?? chooseAuthMethod(flags['client-secret'], endpoints.authMethods) };
}

/** Reports a new token and saves it with --save (and its DPoP key, when the server bound the token to it). */
async function finish(
  t: Terminal, flags: Flags, fields: TokenFields, endpoints: Endpoints, client: ClientCredentials, dpopKey: DpopKey | undefined,
): Promise<void> {
  report(t, fields);
  const bound = dpopKey ? await reportDpop(t.say, fields, dpopKey, flags['api-url']) : false;
  if (flags.save !== undefined) save(t, flags.save, fields, endpoints, client.clientId, client.method, bound ? dpopKey : undefined);
}

async function refresh(t: Terminal, flags: Flags, name: string): Promise<TokenFields> {
  const { say } = t;
  const saved = loadToken(name, t.env);
  const refreshToken = saved.fields.refresh_token;
  if (typeof refreshToken !== 'string') {
    throw new FlowError(`"${name}" has no refresh token (request the offline_access scope, or use a client with the refresh_token grant)`);
  }
  say(`Refreshing "${name}" at ${saved.token_endpoint}…`);
  const secret = flags['client-secret'];
  // The way the secret went when the token was saved, unless told otherwise (older files: post).
  const method = secret ? clientAuthFlag(flags) ?? saved.client_auth ?? 'post' : 'none';
  const dpopKey = await refreshKey(flags, saved.dpop_jwk);
  const fields = await tokenRequest(saved.token_endpoint, { grant_type: 'refresh_token', refresh_token: refreshToken }, {
    clientId: saved.client_id, clientSecret: secret, method,
  }, resourceFlags(flags), dpopKey);
  // RFC 6749 §6: a server that does not rotate keeps the old refresh token valid.
  const merged: TokenFields = { ...fields, ...(fields.refresh_token === undefined ? { refresh_token: refreshToken } : {}) };
  report(t, merged);
  const bound = dpopKey ? await reportDpop(say, merged, dpopKey, flags['api-url']) : false;
  // A saved key stays even if this answer came unbound: the refresh token may still be bound to it.
  save(t, name, merged, { issuer: saved.issuer, tokenEndpoint: saved.token_endpoint }, saved.client_id, method, bound || saved.dpop_jwk ? dpopKey : undefined);
  return merged;
}

/**
 * The key of a refresh (RFC 9449 §5): the saved one, since a public client's refresh token is
 * bound to it; `--dpop-key` to use another; `--dpop` to bind the new token of a grant saved without one.
 */
async function refreshKey(flags: Flags, savedJwk: SavedToken['dpop_jwk']): Promise<DpopKey | undefined> {
  if (flags['dpop-key'] !== undefined) return readDpopKey(flags['dpop-key']);
  if (savedJwk) return keyFromJwk(savedJwk);
  return flags.dpop ? generateDpopKey() : undefined;
}

function report(t: Terminal, fields: TokenFields): void {
  const lifetime = lifetimeOf(fields);
  t.say(`Got an access token${fields.scope ? ` (scope: ${fields.scope})` : ''}${lifetime === null ? ', with no expiry' : `, valid for ${lifetime} s`}.`);
}

function save(
  t: Terminal, name: string, fields: TokenFields, endpoints: Pick<Endpoints, 'issuer' | 'tokenEndpoint'>, clientId: string, method: ClientCredentials['method'],
  dpopKey?: DpopKey,
): void {
  const now = Math.floor(Date.now() / 1000);
  const lifetime = lifetimeOf(fields);
  const file = saveToken(name, {
    token_endpoint: endpoints.tokenEndpoint, client_id: clientId, issuer: endpoints.issuer, ...(method !== 'none' ? { client_auth: method } : {}),
    expires_at: lifetime === null ? null : now + lifetime, saved_at: now, fields,
    ...(dpopKey ? { dpop_jwk: dpopKey.privateJwk } : {}),
  }, t.env);
  t.say(`Saved as "${name}" in ${file}; refresh it with: pixie token --refresh ${name}`);
}
