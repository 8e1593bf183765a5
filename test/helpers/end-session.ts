/**
 * Follow an RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0) through Pixie the
 * way a browser would, with the user agent's cookies: redirects are followed while they stay on
 * Pixie, and a confirmation page, if Pixie shows one, is submitted. Reports where Pixie finally
 * sends the browser (the post-logout redirect URI) without going there, or the page it stopped on.
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

/** Where logout ended: a redirect off Pixie (`redirect`), or a page Pixie showed instead. */
export type EndSessionOutcome = { redirect: URL } | { page: { status: number; body: string } };

export async function followEndSession(ua: UserAgent, url: string): Promise<EndSessionOutcome> {
  const pixie = new URL(ua.base).origin;
  let current = new URL(url);
  let res = await ua.get(current.toString());
  for (let step = 0; step < 5; step++) {
    const location = res.headers.get('location');
    if (location && res.status >= 300 && res.status < 400) {
      current = new URL(location, current);
      if (current.origin !== pixie) return { redirect: current };
      res = await ua.get(current.toString());
      continue;
    }
    const body = await res.text();
    const form = res.status === 200 ? postForm(body) : null;
    if (!form) return { page: { status: res.status, body } };
    current = new URL(form.action || current.pathname, current);
    res = await ua.post(current.toString(), form.fields);
  }
  throw new Error('too many steps in logout');
}

/** Follow a logout URL that must end in a redirect back to the relying party; returns that URL. */
export async function logoutRedirect(ua: UserAgent, url: string): Promise<URL> {
  const outcome = await followEndSession(ua, url);
  if ('page' in outcome) throw new Error(`logout ended on a page (${outcome.page.status}): ${outcome.page.body.slice(0, 400)}`);
  return outcome.redirect;
}

/** Whether the user agent's Pixie session is gone: an authorization request goes to /login again. */
export async function signedOut(ua: UserAgent, authorizeUrl: string): Promise<boolean> {
  const res = await ua.get(authorizeUrl);
  const location = res.headers.get('location');
  return location !== null && new URL(location, ua.base).pathname === '/login';
}
