/**
 * Browser apps for the interop tests: the single-page app of test/interop/spa/app.js bundled
 * with esbuild into memory, and tiny loopback web servers that give it (or a bare page) an
 * origin of its own, apart from Pixie's.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const SPA_ENTRY = fileURLToPath(new URL('../interop/spa/app.js', import.meta.url));

/** The SPA and oidc-client-ts from node_modules as one browser script. */
export async function bundleSpa(): Promise<string> {
  const out = await build({
    entryPoints: [SPA_ENTRY], bundle: true, write: false, format: 'iife', platform: 'browser',
    target: 'chrome110', logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

export interface WebOrigin {
  /** `http://127.0.0.1:port`, or `http://localhost:port` */
  origin: string;
  close(): Promise<void>;
}

/**
 * A loopback web server answering every path with `page(path)` (HTML) or `/app.js` with `script`.
 * It listens on 127.0.0.1; `hostname: 'localhost'` names it so, which to a browser is another
 * origin than 127.0.0.1 on any port.
 */
export async function serveOrigin(page: (path: string) => string, opts: { script?: string; hostname?: string } = {}): Promise<WebOrigin> {
  const script = opts.script ?? '';
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/app.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    if (path === '/favicon.ico') return res.writeHead(404).end();
    return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://${opts.hostname ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The SPA's page: its settings as JSON and the bundle. */
export function spaPage(settings: { authority: string; client_id: string }): string {
  // `<` escaped so the JSON cannot end the script element.
  const json = JSON.stringify(settings).replace(/</g, '\\u003c');
  return `<!doctype html><html><head><meta charset="utf-8"><title>SPA</title>
<script id="spa-settings" type="application/json">${json}</script></head>
<body><h1>SPA</h1><script src="/app.js"></script></body></html>`;
}

export const BLANK_PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>Other site</title></head><body>other</body></html>';
