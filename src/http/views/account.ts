/** /account: the applications the user has authorized. */
import type { AuthorizedApp } from '../../portal/account.js';
import { ago, day, notice } from './format.js';
import { html } from './html.js';
import { layout } from './layout.js';
import type { PortalUser } from './portal-apps.js';

export interface AccountView extends PortalUser {
  displayName: string;
  email: string | null;
  apps: AuthorizedApp[];
  message: string | null;
}

export function accountPage(v: AccountView): string {
  return layout({ title: 'Your account', username: v.username, wide: true }, html`
<div class="page-head"><div><h1>Your account</h1>
<p class="lead">Signed in as <strong>${v.displayName}</strong>${v.email ? html` · ${v.email}` : ''}</p></div></div>
${notice(v.message)}
<div class="card">
<h2 class="first">Authorized applications</h2>
<p class="hint">These applications can act on your behalf. Revoking one signs it out at once: its tokens stop working and it has to ask you again.</p>
${v.apps.length === 0 ? html`<p class="muted empty-line">You have not authorized any application.</p>` : html`<ul class="authorized">
${v.apps.map((a) => html`<li>
<div class="authorized-main">
<div class="strong">${a.name}${a.domain ? html` <span class="muted small">${a.domain}</span>` : ''}</div>
<div class="chips">${a.scopes.length ? a.scopes.map((s) => html`<span class="chip" title="${s.description}">${s.description}</span>`) : html`<span class="chip">Basic access</span>`}</div>
<div class="muted small">Authorized ${day(a.authorizedAt)} · last used ${ago(a.lastUsedAt, v.now).toLowerCase()}</div>
</div>
<a class="button secondary small" href="/account/authorizations/${a.grantId}/revoke">Revoke access…</a>
</li>`)}
</ul>`}
</div>`);
}
