import { html, type Raw } from './html.js';

export interface LayoutOptions {
  title: string;
  wide?: boolean;
  /** Shown in the header when someone is signed in. */
  username?: string | null;
  scripts?: string[];
}

export function layout(opts: LayoutOptions, body: Raw): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${opts.title} · Pixie</title>
<link rel="stylesheet" href="/static/pixie.css">
${(opts.scripts ?? []).map((s) => html`<script src="${s}" defer></script>`)}
</head>
<body>
<header class="top"><a class="brand" href="/">Pixie</a>
${opts.username ? html`<nav><a href="/apps">Apps</a><a href="/account">Account</a><span class="who">${opts.username}</span><a href="/logout">Sign out</a></nav>` : ''}
</header>
<main class="${opts.wide ? 'wide' : ''}">${body}</main>
<footer>Pixie — OAuth 2.1 &amp; OpenID Connect</footer>
</body>
</html>`.value;
}
