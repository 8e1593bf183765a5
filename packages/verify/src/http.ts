/** @module @pixie-auth/verify/http — JSON over fetch with a timeout, for discovery, JWKS and introspection. */
import { VerifierUnavailableError, type VerifyFailure } from './errors.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export async function fetchJson(
  fetcher: FetchLike, url: string, init: RequestInit, reason: VerifyFailure, timeoutMs: number,
): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetcher(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (err) {
    throw new VerifierUnavailableError(reason, `cannot reach ${url}: ${(err as Error).message}`);
  }
  const text = await res.text();
  try {
    return { status: res.status, body: text ? JSON.parse(text) : null };
  } catch {
    throw new VerifierUnavailableError(reason, `${url} answered ${res.status} with a body that is not JSON`);
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
