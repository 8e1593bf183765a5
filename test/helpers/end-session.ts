/**
 * Follow an RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0) through Pixie the
 * way a browser would, with the user agent's cookies: redirects are followed while they stay on
 * Pixie, and a confirmation page, if Pixie shows one, is submitted. Returns where Pixie finally
 * sends the browser (the post-logout redirect URI), without going there.
 */
import type { UserAgent } from './user-agent.js';

function attr(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? m[1]!.replace(/&amp;/g, '&') : null;
}

/** The first POST form of a page: its action, hidden fields and first submit button's name/value. */
function postForm(html: string): { action: string; fields: Record<string, string> } | null {
  const form = /<form\b[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return null;
  const fields: Record<string, string> = {};
  for (const [input] of form[1]!.matchAll(/<input\b[^>]*>/g)) {
    const name = attr(input, 'name');
    if (name && attr(input, 'type') === 'hidden') fields[name] = attr(input, 'value') ?? '';
  }
  const button = /<button\b[^>]*>/.exec(form[1]!)?.[0];
  const name = button && attr(button, 'name');
  if (name) fields[name] = attr(button, 'value') ?? '';
  return { action: attr(form[0], 'action') ?? '', fields };
}

export async function followEndSession(ua: UserAgent, url: string): Promise<URL> {
  const pixie = new URL(ua.base).origin;
  let current = new URL(url);
  let res = await ua.get(current.toString());
  for (let step = 0; step < 5; step++) {
    const location = res.headers.get('location');
    if (location && res.status >= 300 && res.status < 400) {
      current = new URL(location, current);
      if (current.origin !== pixie) return current;
      res = await ua.get(current.toString());
      continue;
    }
    const body = await res.text();
    const form = res.status === 200 ? postForm(body) : null;
    if (!form) throw new Error(`logout at ${current.pathname} answered ${res.status}: ${body.slice(0, 300)}`);
    current = new URL(form.action || current.pathname, current);
    res = await ua.post(current.toString(), form.fields);
  }
  throw new Error('too many steps in logout');
}
