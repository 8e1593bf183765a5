/**
 * The load generator: its own process (pinned to the other core), driven over IPC by run.ts.
 * A job is a list of requests that autocannon sends in turn on each connection; `{code}` in a
 * body is replaced by the next pre-minted code (each code is sent once) or by the code the
 * previous response of the same connection redirected with (the full flow, workload 5).
 */
import autocannon, { type Request } from 'autocannon';
import { dpopProof, type DpopSpec } from './dpop.js';

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Where `{code}` in the body comes from. */
  codeFrom?: 'list' | 'context';
  /** Take `code` from the Location header of a redirect, into the result list or the connection's context. */
  capture?: 'list' | 'context';
  /** The status that counts as success. */
  expect: number;
  /** And a text the body must contain (a fast `{"active":false}` is not a result). */
  expectBody?: string;
  /** Send a fresh DPoP proof (RFC 9449) of this key in each request. */
  dpop?: DpopSpec;
}

export interface Job {
  url: string;
  connections: number;
  /** Seconds; or `amount` requests in all (each pre-minted code is used once). */
  duration?: number;
  amount?: number;
  codes?: string[];
  requests: RequestSpec[];
}

export interface JobResult {
  seconds: number;
  /** Successes of the last request of the list (a whole flow when there are several). */
  ok: number;
  /** Successes per second of the last request of the list. */
  rate: number;
  responses: number;
  failures: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  p50: number;
  p99: number;
  captured: string[];
  codesUsed: number;
}

function codeOf(location: string | undefined): string | null {
  if (!location) return null;
  try {
    return new URL(location).searchParams.get('code');
  } catch {
    return null;
  }
}

export async function runJob(job: Job): Promise<JobResult> {
  const codes = job.codes ?? [];
  let next = 0;
  const captured: string[] = [];
  const okPer = job.requests.map(() => 0);
  let responses = 0;
  let lastResponse = 0;
  const requests: Request[] = job.requests.map((spec, i) => ({
    method: spec.method,
    path: spec.path,
    headers: spec.headers,
    body: spec.body,
    ...(spec.codeFrom ? {
      setupRequest: (req: Request, context: Record<string, unknown>) => {
        const code = spec.codeFrom === 'list' ? codes[next++] : (context.code as string | undefined);
        // No code (the redirect failed): autocannon starts the list over on this connection.
        if (!code) return null;
        return { ...req, body: spec.body!.replace('{code}', encodeURIComponent(code)) };
      },
    } : {}),
    ...(spec.dpop ? {
      // Built for each request: a proof is good once (its jti is remembered by the server).
      setupRequest: (req: Request) => ({ ...req, headers: { ...req.headers, dpop: dpopProof(spec.dpop!) } }),
    } : {}),
    onResponse: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => {
      responses++;
      lastResponse = performance.now();
      if (status !== spec.expect) return;
      if (spec.expectBody && !body.includes(spec.expectBody)) return;
      if (spec.capture) {
        const code = codeOf(headers.location ?? headers.Location);
        if (!code) return;
        if (spec.capture === 'list') captured.push(code);
        else context.code = code;
      }
      okPer[i]!++;
    },
  }));
  const started = performance.now();
  const result = await autocannon({
    url: job.url, connections: job.connections, pipelining: 1, timeout: 10, requests,
    ...(job.amount !== undefined ? { amount: job.amount } : { duration: job.duration ?? 5 }),
  });
  // Up to the last response: autocannon itself may linger after it (its 1 s sampling tick).
  const seconds = ((lastResponse || performance.now()) - started) / 1000;
  const ok = okPer[okPer.length - 1]!;
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statuses[code] = count;
  const expected = okPer.reduce((a, b) => a + b, 0);
  return {
    seconds, ok, rate: ok / seconds, responses, failures: responses - expected, statuses,
    errors: result.errors, timeouts: result.timeouts, p50: result.latency.p50, p99: result.latency.p99, captured, codesUsed: next,
  };
}

process.on('message', (msg: { type: string; id: number; job: Job }) => {
  if (msg.type !== 'run') return;
  runJob(msg.job).then(
    (result) => process.send!({ type: 'result', id: msg.id, result }),
    (err: Error) => process.send!({ type: 'result', id: msg.id, error: String(err.stack ?? err) }),
  );
});
process.send?.({ type: 'ready' });
