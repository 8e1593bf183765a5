/**
 * A browserless user agent: fetch with a cookie jar that follows Pixie's login and consent
 * forms the way a browser would (the browser tests use real Chromium for the pages themselves).
 */
import { createHash, randomBytes } from 'node:crypto';

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export class UserAgent {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(url: string): Promise<Response> {
    const res = await fetch(new URL(url, this.base), { redirect: 'manual', headers: { cookie: this.cookieHeader() } });
    this.store(res);
    return res;
  }

  async post(url: string, form: Record<string, string>): Promise<Response> {
    const res = await fetch(new URL(url, this.base), {
      method: 'POST', redirect: 'manual',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
    this.store(res);
    return res;
  }

  /** Hidden form fields of a page, by name. */
  static fields(html: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1]!] = m[2]!.replace(/&amp;/g, '&');
    return out;
  }

  /**
   * Open an authorize URL and go through login and consent as needed. Returns the final
   * redirect to the client (Location), without following it.
   */
  async authorize(url: string, user: { username: string; password: string }, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
    let res = await this.get(url);
    for (let step = 0; step < 6; step++) {
      const location = res.headers.get('location');
      if (!location) throw new Error(`expected a redirect, got ${res.status}: ${(await res.text()).slice(0, 300)}`);
      const next = new URL(location, this.base);
      if (next.origin !== new URL(this.base).origin || !['/login', '/consent'].includes(next.pathname)) return next;
      const page = await this.get(next.toString());
      if (page.status !== 200) {
        if (page.headers.get('location')) { res = page; continue; }
        throw new Error(`${next.pathname} answered ${page.status}`);
      }
      const fields = UserAgent.fields(await page.text());
      res = next.pathname === '/login'
        ? await this.post('/login', { ...fields, username: user.username, password: user.password })
        : await this.post('/consent', { ...fields, decision });
    }
    throw new Error('too many steps');
  }
}
