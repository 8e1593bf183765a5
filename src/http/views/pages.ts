/** The server-rendered pages of the sign-in flow. They work without JavaScript. */
import { html } from './html.js';
import { layout } from './layout.js';

export function errorPage(title: string, message: string, code?: string): string {
  return layout({ title }, html`<div class="card">
<h1>${title}</h1>
<div class="error" role="alert">${message}</div>
${code ? html`<p class="hint">Error code: <code>${code}</code></p>` : ''}
<p class="hint">If an application sent you here, go back to it and try again.</p>
</div>`);
}

export interface LoginView {
  csrf: string;
  interaction: string | null;
  tenant: string;
  returnTo: string | null;
  username: string;
  error: string | null;
  appName: string | null;
}

export function loginPage(v: LoginView): string {
  return layout({ title: 'Sign in' }, html`<div class="card">
<h1>Sign in</h1>
<p class="lead">${v.appName ? html`to continue to <strong>${v.appName}</strong>` : 'to your Pixie account'}</p>
${v.error ? html`<div class="error" role="alert">${v.error}</div>` : ''}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="${v.csrf}">
${v.interaction ? html`<input type="hidden" name="interaction" value="${v.interaction}">` : ''}
<input type="hidden" name="tenant" value="${v.tenant}">
${v.returnTo ? html`<input type="hidden" name="return_to" value="${v.returnTo}">` : ''}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" required autofocus value="${v.username}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<div class="actions"><button type="submit">Sign in</button></div>
</form>
</div>`);
}

export interface ConsentView {
  csrf: string;
  interaction: string;
  appName: string;
  appDomain: string;
  username: string;
  scopes: { name: string; description: string }[];
  /** The app registered itself (dynamic registration or a client ID metadata document). */
  unverified?: boolean;
  /** RFC 8707 resources the token will be for (none: the whole server). */
  resources?: string[];
  /** RFC 8628: the app signs in on another device (a TV, a command line) with a code the user entered. */
  device?: boolean;
}

export function consentPage(v: ConsentView): string {
  return layout({ title: 'Authorize application', username: v.username }, html`<div class="card">
<h1>Authorize <span class="app-name">${v.appName}</span>?</h1>
${v.device
    ? html`<p class="lead"><strong>${v.appName}</strong> is signing in on another device and wants to access your account, <strong>${v.username}</strong>.</p>
<div class="warning" role="note">Authorize only if you entered a code shown by your own device just now. If someone sent you the code, deny.</div>`
    : html`<p class="lead"><strong>${v.appName}</strong> (${v.appDomain}) wants to access your account, <strong>${v.username}</strong>.</p>`}
${v.unverified ? html`<div class="warning" role="note"><strong>${v.appName}</strong> registered itself; Pixie has not verified it. Authorize it only if you started this from an app you trust.</div>` : ''}
<p>It will be able to:</p>
<ul class="scopes">
${v.scopes.length ? v.scopes.map((s) => html`<li>${s.description}<code>${s.name}</code></li>`) : html`<li>Know that you have an account here (no other data)</li>`}
</ul>
${v.resources?.length ? html`<p class="resources">Only at: ${v.resources.map((r) => html`<code>${r}</code> `)}</p>` : ''}
<form method="post" action="/consent">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="interaction" value="${v.interaction}">
<div class="actions">
<button type="submit" name="decision" value="allow">Authorize</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</div>
</form>
<p class="hint">You can revoke this later on your account page.</p>
</div>`);
}

export function logoutPage(csrf: string, tenant: string, signedIn: boolean): string {
  return layout({ title: 'Sign out' }, html`<div class="card">
<h1>${signedIn ? 'Sign out?' : 'You are signed out'}</h1>
${signedIn ? html`<form method="post" action="/logout">
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="tenant" value="${tenant}">
<div class="actions"><button type="submit">Sign out</button></div></form>` : ''}
</div>`);
}
