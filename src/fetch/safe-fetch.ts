/**
 * Fetching documents that a stranger names (a client ID metadata document's URL) without
 * letting the stranger aim Pixie at the network behind it (SSRF):
 *
 * - https only; http only to a loopback host, and only when loopback is allowed (`--dev`);
 * - the host name is resolved first and every address checked: private, loopback, link-local,
 *   multicast, reserved and documentation ranges are refused (loopback allowed in dev mode);
 *   the connection then goes to the address that was checked, so a second DNS answer cannot
 *   swap it (DNS rebinding);
 * - no redirects; a connect timeout and a total timeout; a size limit, counted as the body
 *   arrives (a missing or false Content-Length changes nothing);
 * - answers are cached by their Cache-Control (max-age; no-store and no-cache are not cached),
 *   in a bounded LRU.
 *
 * A leaf: it imports nothing else of Pixie. Core reaches it through the ClientDocumentFetcher port.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export class FetchRefused extends Error {}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface SafeFetchOptions {
  /** Dev mode: loopback addresses may be fetched, and loopback hosts over http. */
  allowLoopback?: boolean;
  connectTimeoutMs?: number;
  totalTimeoutMs?: number;
  /** Largest body accepted, in bytes. */
  maxBytes?: number;
  /** Answers kept (least recently used dropped first). */
  cacheSize?: number;
  /** Longest an answer is cached, in seconds, whatever its max-age says. */
  maxCacheSeconds?: number;
  /** Name resolution (tests map test host names to a loopback server); default: the system resolver. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
  /** Milliseconds clock for the cache. */
  now?: () => number;
}

export interface SafeFetcher {
  /** The JSON document at `url`; throws FetchRefused with the reason when it cannot be had safely. */
  fetchJson(url: string): Promise<unknown>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

const refused = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) refused.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) refused.addSubnet(net, prefix, 'ipv6');
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** Why the address may not be fetched, or null. IPv4-mapped IPv6 addresses are checked as IPv4. */
export function addressProblem(address: string, allowLoopback: boolean): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? mapped[1] : address;
  const type = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
  if (loopback.check(ip, type)) return allowLoopback ? null : `${address} is a loopback address`;
  if (refused.check(ip, type)) return `${address} is a private, link-local or reserved address`;
  return null;
}

function checkUrl(raw: string, allowLoopback: boolean): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new FetchRefused('is not an absolute URL');
  }
  if (u.username || u.password) throw new FetchRefused('must not contain credentials');
  if (u.hash) throw new FetchRefused('must not contain a fragment');
  if (u.protocol === 'https:') return u;
  if (u.protocol === 'http:' && allowLoopback && LOOPBACK_HOSTS.has(u.hostname)) return u;
  throw new FetchRefused(allowLoopback ? 'must use https (or http to a loopback host)' : 'must use https');
}

/** Seconds the answer may be cached: max-age (bounded), 0 for no-store/no-cache, a default without the header. */
export function cacheSeconds(cacheControl: string | undefined, max: number): number {
  if (!cacheControl) return Math.min(300, max);
  const v = cacheControl.toLowerCase();
  if (/(^|,)\s*(no-store|no-cache|private)\b/.test(v)) return 0;
  const m = /(^|,)\s*(?:s-maxage|max-age)\s*=\s*"?(\d+)/.exec(v);
  return m ? Math.min(Number(m[2]), max) : Math.min(300, max);
}

const systemResolve = async (hostname: string): Promise<ResolvedAddress[]> =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export function createSafeFetcher(opts: SafeFetchOptions = {}): SafeFetcher {
  const allowLoopback = opts.allowLoopback ?? false;
  const connectTimeout = opts.connectTimeoutMs ?? 3000;
  const totalTimeout = opts.totalTimeoutMs ?? 5000;
  const maxBytes = opts.maxBytes ?? 16 * 1024;
  const cacheSize = opts.cacheSize ?? 500;
  const maxCache = opts.maxCacheSeconds ?? 86400;
  const resolve = opts.resolve ?? systemResolve;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { value: unknown; until: number }>();

  async function pickAddress(u: URL): Promise<ResolvedAddress> {
    const host = u.hostname.replace(/^\[|\]$/g, '');
    let addresses: ResolvedAddress[];
    if (isIP(host)) {
      addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
    } else {
      try {
        addresses = await resolve(host);
      } catch {
        throw new FetchRefused(`host ${host} could not be resolved`);
      }
    }
    if (addresses.length === 0) throw new FetchRefused(`host ${host} has no address`);
    // Every address is checked, not only the one used: a name that also points inside is refused.
    for (const a of addresses) {
      const problem = addressProblem(a.address, allowLoopback);
      if (problem) throw new FetchRefused(`host ${host} resolves to ${problem}`);
    }
    return addresses[0];
  }

  function get(u: URL, target: ResolvedAddress): Promise<{ body: Buffer; cacheControl: string | undefined }> {
    // The connection goes to the checked address; TLS still verifies the certificate for the host name.
    const lookup = ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => {
      if (options?.all) cb(null, [{ address: target.address, family: target.family }]);
      else cb(null, target.address, target.family);
    }) as unknown as LookupFunction;
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolvePromise, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(total);
        clearTimeout(connecting);
        req.destroy();
        reject(err);
      };
      const req = send(u, {
        method: 'GET', lookup, agent: false,
        headers: { accept: 'application/json', 'user-agent': 'pixie (client ID metadata document)' },
      });
      const total = setTimeout(() => fail(new FetchRefused(`no complete answer within ${totalTimeout} ms`)), totalTimeout);
      const connecting = setTimeout(() => fail(new FetchRefused(`no connection within ${connectTimeout} ms`)), connectTimeout);
      req.on('socket', (socket) => {
        socket.once(u.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connecting));
      });
      req.on('error', (err) => fail(err instanceof FetchRefused ? err : new FetchRefused(`request failed: ${err.message}`)));
      req.on('response', (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          const where = res.statusCode && res.statusCode >= 300 && res.statusCode < 400 ? ' (redirects are not followed)' : '';
          return fail(new FetchRefused(`answered HTTP ${res.statusCode}${where}`));
        }
        const declared = Number(res.headers['content-length']);
        if (declared > maxBytes) return fail(new FetchRefused(`is larger than ${maxBytes} bytes`));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) fail(new FetchRefused(`is larger than ${maxBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', (err) => fail(new FetchRefused(`answer failed: ${err.message}`)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(total);
          clearTimeout(connecting);
          const cc = res.headers['cache-control'];
          resolvePromise({ body: Buffer.concat(chunks), cacheControl: Array.isArray(cc) ? cc.join(',') : cc });
        });
      });
      req.end();
    });
  }

  return {
    async fetchJson(url) {
      const hit = cache.get(url);
      if (hit) {
        cache.delete(url);
        if (hit.until > now()) {
          cache.set(url, hit);
          return hit.value;
        }
      }
      const u = checkUrl(url, allowLoopback);
      const target = await pickAddress(u);
      const { body, cacheControl } = await get(u, target);
      let value: unknown;
      try {
        value = JSON.parse(body.toString('utf8'));
      } catch {
        throw new FetchRefused('is not JSON');
      }
      const seconds = cacheSeconds(cacheControl, maxCache);
      if (seconds > 0 && cacheSize > 0) {
        cache.set(url, { value, until: now() + seconds * 1000 });
        if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
      }
      return value;
    },
  };
}
