/**
 * /oauth/login_success: where non-web apps land. Shows the code
 * (or the error) to copy by hand; an implicit-grant token arrives in the fragment and is shown
 * by the script, or read from the address bar without it.
 */
import { copyBox } from './format.js';
import { html } from './html.js';
import { layout } from './layout.js';

export interface LoginSuccessView {
  code: string | null;
  state: string | null;
  error: string | null;
  errorDescription: string | null;
}

export function loginSuccessPage(v: LoginSuccessView): string {
  const scripts = ['/static/pixie.js'];
  if (v.error) {
    return layout({ title: 'Authorization failed', scripts }, html`<div class="card">
<h1>Authorization failed</h1>
<div class="error" role="alert">${v.errorDescription ?? 'The application could not be authorized.'}</div>
<p class="hint">Error code: <code>${v.error}</code></p>
${v.state ? html`<p class="hint">State: <code>${v.state}</code></p>` : ''}
<p>Go back to the application and start again.</p>
</div>`);
  }
  return layout({ title: 'Authorization complete', scripts }, html`<div class="card">
<h1>Authorization complete</h1>
${v.code ? html`<p class="lead">Copy this authorization code into your application. It works once, within 60 seconds.</p>
<label>Authorization code</label>
${copyBox('auth-code', v.code, true)}
${v.state ? html`<label>State</label><p class="hint">Check that it equals the state you sent: <code id="auth-state">${v.state}</code></p>` : ''}` : ''}
<div id="fragment-result" hidden>
<p class="lead">Copy this access token into your application.</p>
<label>Access token</label>
${copyBox('fragment-token', '', true)}
<p class="hint" id="fragment-expires"></p>
</div>
${v.code ? '' : html`<p id="no-result" class="lead">If your application received an access token, it is in the address bar after <code>#access_token=</code>.</p>`}
<p class="hint">You can close this window afterwards.</p>
</div>`);
}
