/**
 * A tiny Stack Exchange–style OAuth server (seeds 000–002) for client tests: `/oauth`
 * approves at once and redirects to `/oauth/login_success?code=…&state=…`; the token
 * endpoints check the code, redirect URI and PKCE verifier, and answer form-encoded
 * (`/oauth/access_token`) or JSON (`/oauth/access_token/json`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

interface Pending { clientId: string; redirectUri: string; challenge: string | null }

export interface FakeStackExchange {
  url: string;
  /** Token requests received, for assertions. */
  requests: URLSearchParams[];
  close(): Promise<void>;
}

export async function startFakeStackExchange(): Promise<FakeStackExchange> {
  const codes = new Map<string, Pending>();
  const requests: URLSearchParams[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    if (req.method === 'GET' && url.pathname === '/oauth') {
      const code = randomBytes(12).toString('hex');
      codes.set(code, { clientId: url.searchParams.get('client_id') ?? '', redirectUri: url.searchParams.get('redirect_uri') ?? '', challenge: url.searchParams.get('code_challenge') });
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      if (url.searchParams.has('state')) back.searchParams.set('state', url.searchParams.get('state')!);
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/oauth/login_success') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>Authorizing application…</p>');
      return;
    }
    if (req.method === 'POST' && url.pathname.startsWith('/oauth/access_token')) {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        requests.push(form);
        const json = url.pathname.endsWith('/json');
        const pending = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const ok = pending && pending.clientId === form.get('client_id') && pending.redirectUri === form.get('redirect_uri')
          && (pending.challenge === null || createHash('sha256').update(verifier).digest('base64url') === pending.challenge);
        const answer: Record<string, string> = ok
          ? { access_token: `se-${randomBytes(8).toString('hex')}`, expires: '86400' }
          : { error: 'invalid_grant', error_description: 'the code is unknown, used, or the verifier does not match' };
        res.writeHead(ok ? 200 : 400, { 'content-type': json ? 'application/json' : 'text/plain' });
        res.end(json ? JSON.stringify(ok ? { access_token: answer.access_token, expires: 86400 } : answer) : new URLSearchParams(answer).toString());
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url: base, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
