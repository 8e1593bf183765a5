/** Pages of RP-initiated logout: the confirmation, and the answer to "Stay signed in". */
import { html } from './html.js';
import { layout } from './layout.js';

export interface EndSessionView {
  csrf: string;
  action: string;
  tenantName: string;
  appName: string | null;
  /** The signed-in user, or null when this browser has no session. */
  username: string | null;
  /** Request parameters carried to the confirmation. */
  fields: Record<string, string>;
}

export function endSessionPage(v: EndSessionView): string {
  return layout({ title: 'Sign out' }, html`<div class="card">
<h1>Sign out of ${v.tenantName}?</h1>
<p class="lead">${v.appName ? html`<strong>${v.appName}</strong> asks to sign you out.` : 'An application asks to sign you out.'}</p>
${v.username ? html`<p>You are signed in as <strong>${v.username}</strong>.</p>` : html`<p>You are not signed in here.</p>`}
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
${Object.entries(v.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<div class="actions">
<button type="submit" name="decision" value="logout">Sign out</button>
<button type="submit" name="decision" value="stay" class="secondary">Stay signed in</button>
</div>
</form>
</div>`);
}

export function stillSignedInPage(tenantName: string): string {
  return layout({ title: 'Still signed in' }, html`<div class="card">
<h1>You are still signed in</h1>
<p class="lead">You stayed signed in to ${tenantName}. You can close this page.</p>
</div>`);
}
