/**
 * The RFC 8252 §7.3 loopback redirect: a one-shot HTTP listener on 127.0.0.1 that waits for
 * the browser to come back with the authorization response.
 */
import { createServer, type Server } from 'node:http';
import { FlowError } from './errors.js';

export interface Loopback {
  redirectUri: string;
  /** Resolves with the query of the first request to the callback path. */
  response: Promise<URLSearchParams>;
  /** Sent to the browser once the response has been checked. */
  answer(ok: boolean, message: string): void;
  close(): void;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

function page(ok: boolean, message: string): string {
  const esc = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><meta charset="utf-8"><title>Pixie</title><body style="font-family:system-ui;max-width:36em;margin:4em auto">`
    + `<h1>${ok ? 'Done' : 'Something went wrong'}</h1><p>${esc}</p><p>You can close this tab and return to the terminal.</p></body>`;
}

/** Listen on the port of `redirectUri` (or a random one) and the path of it (default /callback). */
export async function startLoopback(redirectUri: string | undefined): Promise<Loopback> {
  const wanted = new URL(redirectUri ?? 'http://127.0.0.1/callback');
  if (wanted.protocol !== 'http:' || !LOOPBACK_HOSTS.has(wanted.hostname)) {
    throw new FlowError(`--redirect-uri must be a loopback http URI (http://127.0.0.1:PORT/path) in loopback mode, or use --paste; got "${wanted}"`);
  }
  const host = wanted.hostname === '[::1]' ? '::1' : '127.0.0.1';
  let deliver!: (params: URLSearchParams) => void;
  const response = new Promise<URLSearchParams>((resolve) => (deliver = resolve));
  let pending: ((ok: boolean, message: string) => void) | null = null;
  let received = false;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== wanted.pathname || received) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    received = true;
    pending = (ok, message) => res.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page(ok, message));
    deliver(url.searchParams);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new FlowError(`cannot listen on ${host}:${wanted.port || 'a random port'}: ${err.code ?? err.message}`)));
    server.listen(Number(wanted.port || 0), host, resolve);
  });
  const port = (server.address() as { port: number }).port;
  // RFC 8252 §7.3: the port is chosen at run time; the server matches any port for loopback URIs.
  const actual = new URL(wanted);
  actual.port = String(port);
  return {
    redirectUri: actual.toString(),
    response,
    answer(ok, message) {
      pending?.(ok, message);
      pending = null;
    },
    close() {
      server.close();
      server.closeAllConnections();
    },
  };
}
