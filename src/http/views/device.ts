/** The device verification pages (RFC 8628 §3.3): enter the code a device shows, and the page after the decision. */
import { html } from './html.js';
import { layout } from './layout.js';

export interface DeviceCodeView {
  csrf: string;
  /** The page's own path, where the form posts. */
  action: string;
  /** What the field shows: the code from verification_uri_complete, or what was typed. */
  userCode: string;
  error: string | null;
}

export function deviceCodePage(v: DeviceCodeView): string {
  return layout({ title: 'Connect a device' }, html`<div class="card">
<h1>Connect a device</h1>
<p class="lead">Enter the code your device shows. You will then sign in and choose whether to let it in.</p>
${v.error ? html`<div class="error" role="alert">${v.error}</div>` : ''}
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<label for="user_code">Code</label>
<input type="text" id="user_code" name="user_code" class="user-code" required autofocus autocomplete="off" autocapitalize="characters"
 spellcheck="false" maxlength="40" placeholder="BCDF-GHJK" value="${v.userCode}">
<div class="actions"><button type="submit">Continue</button></div>
</form>
<p class="hint">Only enter a code shown by a device you are setting up yourself. If someone sent you a code, do not enter it.</p>
</div>`);
}

export function deviceDonePage(result: 'approved' | 'denied'): string {
  const approved = result === 'approved';
  return layout({ title: approved ? 'Device connected' : 'Device not connected' }, html`<div class="card">
<h1>${approved ? 'Device connected' : 'Device not connected'}</h1>
${approved
    ? html`<div class="notice" role="status">You can return to your device: it signs in within a few seconds.</div>`
    : html`<div class="error" role="status">You denied the request. The device was not given access; you can return to it.</div>`}
<p class="hint">You can close this page.</p>
</div>`);
}
