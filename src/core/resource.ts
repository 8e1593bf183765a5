/**
 * Resource indicators (RFC 8707): which protected resources (APIs) a token may be for. A
 * requested `resource` becomes the access token's `aud`; without one a token is for the whole
 * server, as before. Pure rules: the endpoint policy says whether and how resources are taken.
 */
import { InvalidScope, InvalidTarget } from './errors.js';
import type { AccessTokenFormat, ResourcePolicy, ResourceSetting, ServerSettings } from './types.js';

/** What an endpoint does with `resource`: the server's known resources and its policy. */
export interface ResourceRules {
  policy: ResourcePolicy;
  known: ResourceSetting[];
}

export function resourceRules(settings: ServerSettings): ResourceRules {
  return { policy: settings.resourcePolicy, known: settings.resources };
}

/** Longest `resource` value taken, in characters. */
export const RESOURCE_MAX_LENGTH = 2048;
/** Most `resource` values in one request. */
export const RESOURCES_MAX = 10;

/** Scopes about the user or the session, not about an API: any resource may come with them. */
const IDENTITY_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * RFC 8707 §2: each value an absolute URI without a fragment. Returns them without duplicates,
 * in the order given; `invalid_target` names the first bad one.
 */
export function parseResources(values: readonly string[]): string[] {
  if (values.length > RESOURCES_MAX) throw new InvalidTarget(`at most ${RESOURCES_MAX} resource parameters are accepted`);
  for (const v of values) checkResourceUri(v);
  return [...new Set(values)];
}

/** An absolute URI without a fragment (the `resource` parameter, and a server's `resources[].uri`). */
export function resourceUriProblem(value: string): string | null {
  if (value.length === 0) return 'is empty';
  if (value.length > RESOURCE_MAX_LENGTH) return `is longer than ${RESOURCE_MAX_LENGTH} characters`;
  // RFC 3986 §4.3: an absolute URI starts with a scheme; URL() would also take "//host/path".
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) || /[\s"<>\\^`{|}]/.test(value)) return 'is not an absolute URI';
  if (value.includes('#')) return 'must not contain a fragment';
  try {
    new URL(value);
  } catch {
    return 'is not an absolute URI';
  }
  return null;
}

function checkResourceUri(value: string): void {
  const problem = resourceUriProblem(value);
  if (problem) throw new InvalidTarget(`resource "${value.slice(0, 80)}" ${problem}`);
}

/** The same URI for an API: exact, or equal once parsed (`https://api.example.com` and `…/`). */
function sameUri(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

function anyHttps(uri: string): boolean {
  const u = new URL(uri);
  return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname));
}

/**
 * Each resource must be one the server accepts: listed, or under `any-https` any https URI
 * (and http on a loopback address). Returns the rules that apply to each (a listed one's own,
 * else none).
 */
export function checkResources(resources: readonly string[], rules: ResourceRules): ResourceSetting[] {
  return resources.map((uri) => {
    const listed = rules.known.find((r) => sameUri(r.uri, uri));
    if (listed) return listed;
    if (rules.policy === 'any-https' && anyHttps(uri)) return { uri };
    throw new InvalidTarget(rules.policy === 'any-https'
      ? `resource "${uri.slice(0, 80)}" must be an https URI (or http on a loopback address)`
      : `resource "${uri.slice(0, 80)}" is not a resource of this server`);
  });
}

/**
 * With resources, every scope about an API must be accepted by at least one of them (a
 * resource that lists no scopes accepts all); identity scopes (openid, profile, email,
 * offline_access) may always come along.
 */
export function checkResourceScopes(targets: readonly ResourceSetting[], scopes: readonly string[]): void {
  if (targets.length === 0) return;
  for (const s of scopes) {
    if (IDENTITY_SCOPES.has(s)) continue;
    if (!targets.some((t) => t.scopes === undefined || t.scopes.includes(s))) {
      throw new InvalidScope(`scope "${s}" is not accepted by the requested resource${targets.length > 1 ? 's' : ''}`);
    }
  }
}

/**
 * A later request (code exchange, refresh) may name fewer of the resources granted, never
 * others: `invalid_target`. Without `resource` it gets all of them.
 */
export function narrowResources(granted: readonly string[], requested: readonly string[]): string[] {
  if (requested.length === 0) return [...granted];
  const extra = requested.find((r) => !granted.some((g) => sameUri(g, r)));
  if (extra !== undefined) {
    throw new InvalidTarget(granted.length === 0
      ? `resource "${extra.slice(0, 80)}" was not requested in the authorization request`
      : `resource "${extra.slice(0, 80)}" was not granted originally`);
  }
  return [...requested];
}

/** The format and lifetime of a token for these resources: their own settings, else the defaults given. */
export function resourceTokenRules(
  targets: readonly ResourceSetting[], defaults: { format: AccessTokenFormat; ttl: number | null },
): { format: AccessTokenFormat; ttl: number | null } {
  if (targets.length === 0) return defaults;
  const formats = new Set(targets.map((t) => t.accessTokenFormat ?? defaults.format));
  const format = formats.size === 1 ? [...formats][0] : defaults.format;
  if (defaults.ttl === null) return { format, ttl: null };
  // Several resources: the shortest lifetime any of them allows.
  return { format, ttl: Math.min(...targets.map((t) => t.accessTokenTtl ?? defaults.ttl!)) };
}

/** The access token's `aud`: the resources, or the issuer for a token meant for the whole server. */
export function tokenAudience(resources: readonly string[] | undefined, issuer: string): string | string[] {
  if (!resources || resources.length === 0) return issuer;
  return resources.length === 1 ? resources[0] : [...resources];
}

/** Resources as stored in one text column: space-separated (a valid resource has no spaces); null for none. */
export function encodeResources(resources: readonly string[] | undefined): string | null {
  return resources && resources.length ? resources.join(' ') : null;
}

export function decodeResources(text: string | null | undefined): string[] {
  return text ? text.split(' ') : [];
}

/**
 * Problems of a server's `resources` setting, each as [path under it, message]: every `uri`
 * an absolute URI without fragment, and none listed twice.
 */
export function resourceSettingsProblems(resources: readonly ResourceSetting[]): [string, string][] {
  const problems: [string, string][] = [];
  resources.forEach((r, i) => {
    const bad = resourceUriProblem(r.uri);
    if (bad) problems.push([`${i}/uri`, `"${r.uri.slice(0, 80)}" ${bad}`]);
    else if (resources.findIndex((o) => sameUri(o.uri, r.uri)) < i) problems.push([`${i}/uri`, `"${r.uri.slice(0, 80)}" is listed twice`]);
  });
  return problems;
}
