/**
 * Checking a DPoP proof against the request it came with (RFC 9449 §4.3): one `DPoP` header, a
 * valid self-signed JWT (crypto/dpop.ts), `htm` and `htu` of this request, a fresh `iat`, the
 * server's nonce where one is required, `ath` of the access token at a protected resource, and
 * a `jti` never seen before, remembered in storage so that every process refuses a replay.
 */
import { sha256Base64url } from '../../crypto/digest.js';
import { accessTokenHash, DpopProofError, verifyDpopProofJwt } from '../../crypto/dpop.js';
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import { InvalidDpopProof, UseDpopNonce } from '../errors.js';
import { currentDpopNonce, isValidDpopNonce } from './nonce.js';

/** What the HTTP layer hands over about a request that may carry a proof. */
export interface DpopRequest {
  /** Every `DPoP` header value the request carried (none: empty). */
  proofs: readonly string[];
  /** The request's method, upper case. */
  method: string;
  /** The endpoint's URL as the client reached it (the public URL, not the one behind a proxy). */
  url: string;
}

/**
 * How far a proof's `iat` may be from the server's clock, in seconds: proofs are made for one
 * request, just before it (RFC 9449 §11.1); the skew allows for clocks a little apart.
 */
export const DPOP_IAT_WINDOW = 60;
const DPOP_CLOCK_SKEW = 5;

export interface CheckedDpopProof {
  /** RFC 7638 thumbprint of the proof's key: what a token is bound to (`cnf.jkt`). */
  jkt: string;
}

export interface DpopCheckOptions {
  /** The access token presented with the proof (resource requests): `ath` must be its hash. */
  accessToken?: string;
  /** Whether the proof must carry the server's nonce (RFC 9449 §8). */
  nonceRequired: boolean;
  /** 400 at the token endpoint, 401 at a protected resource (RFC 9449 §7.1). */
  status: 400 | 401;
}

/**
 * RFC 9449 §4.3 step 9: the URIs compared without query and fragment, after what WHATWG URL
 * parsing normalizes (scheme and host in lower case, default port dropped, dot segments).
 * Percent-encoding is compared as sent: `%74oken` is not `token` here. That refuses some proofs
 * RFC 3986 §6.2.2 would accept, never the other way round; no client library encodes
 * unreserved characters in a path.
 */
function normalizeHtu(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return null;
  }
}

/** Null when the request carried no proof; throws `invalid_dpop_proof` or `use_dpop_nonce`. */
export async function checkDpopProof(
  deps: CoreDeps, rs: ResolvedServer, req: DpopRequest, opts: DpopCheckOptions,
): Promise<CheckedDpopProof | null> {
  if (req.proofs.length === 0) return null;
  const refuse = (d: string) => new InvalidDpopProof(d, opts.status);
  // RFC 9449 §4.3 step 1: exactly one DPoP header.
  if (req.proofs.length > 1) throw refuse('send a single DPoP header');
  const proof = req.proofs[0];
  if (proof.length > 8192) throw refuse('the DPoP proof is too long');
  let verified;
  try {
    verified = await verifyDpopProofJwt(proof);
  } catch (err) {
    if (err instanceof DpopProofError) throw refuse(err.message);
    throw err;
  }
  const { claims, jkt } = verified;
  if (claims.htm !== req.method) throw refuse(`the DPoP proof htm must be "${req.method}", the method of this request`);
  const htu = normalizeHtu(claims.htu);
  if (htu === null || htu !== normalizeHtu(req.url)) throw refuse(`the DPoP proof htu must be ${req.url}, the URL of this request`);
  const now = deps.clock.now();
  if (Math.abs(now - claims.iat) > DPOP_IAT_WINDOW + DPOP_CLOCK_SKEW) {
    throw refuse(`the DPoP proof iat must be within ${DPOP_IAT_WINDOW} seconds of the server's time`);
  }
  if (opts.accessToken !== undefined) {
    if (claims.ath === undefined) throw refuse('the DPoP proof needs ath, the hash of the access token');
    if (claims.ath !== accessTokenHash(opts.accessToken)) throw refuse('the DPoP proof ath does not match the access token');
  }
  // Before the jti is remembered: the retry with the nonce is a new proof with a new jti anyway.
  if (opts.nonceRequired && (claims.nonce === undefined || !(await isValidDpopNonce(deps, rs, claims.nonce)))) {
    throw new UseDpopNonce(await currentDpopNonce(deps, rs), opts.status);
  }
  // Remembered until the proof's iat is out of the window, when a replay is refused for that.
  const expiresAt = Math.max(now, Math.ceil(claims.iat)) + DPOP_IAT_WINDOW + DPOP_CLOCK_SKEW + 1;
  if (!(await deps.stores.dpopJtis.use(rs.server.tenantId, rs.server.id, sha256Base64url(claims.jti), expiresAt))) {
    throw refuse('the DPoP proof was used before: make a new proof (with a new jti) for every request');
  }
  return { jkt };
}
