/**
 * The /pkce helper page: a verifier and its S256 challenge, and the authorize URL
 * for a chosen app. The server renders a fresh pair so the page works without JavaScript;
 * /static/pkce.js then makes a new pair in the browser (Web Crypto) and rebuilds the URL live.
 */
import { html } from './html.js';
import { layout } from './layout.js';

export interface PkceView {
  verifier: string;
  challenge: string;
  /** Public URL of this Pixie, for building authorize URLs in the browser. */
  base: string;
  tenant: string;
  server: string;
  endpoint: 'oauth2' | 'stackexchange';
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  authorizeUrl: string | null;
  error: string | null;
  /** The signed-in user, for the site header (as on the other pages). */
  username: string | null;
}

function copyable(id: string, label: string, value: string, rows = 2) {
  return html`<label for="${id}">${label}</label>
<textarea id="${id}" class="mono" rows="${rows}" readonly>${value}</textarea>
<div class="actions"><button type="button" class="secondary" data-copy="${id}" hidden>Copy</button></div>`;
}

export function pkcePage(v: PkceView): string {
  return layout({ title: 'PKCE helper', wide: true, username: v.username, scripts: ['/static/pkce.js'] }, html`<div class="card" id="pkce" data-base="${v.base}">
<h1>PKCE code verifier and challenge</h1>
<p class="lead">A random <code>code_verifier</code> and its <code>S256</code> <code>code_challenge</code> (RFC 7636).
Keep the verifier secret until you exchange the code; send the challenge in the authorize URL.</p>
<p class="hint" id="pkce-origin">Generated on the server for this page. With JavaScript on, a new pair is made in your browser and never leaves it.</p>
${copyable('code_verifier', 'Code verifier', v.verifier)}
${copyable('code_challenge', 'Code challenge (S256)', v.challenge)}
<div class="actions"><button type="button" id="regenerate" hidden>Generate a new pair</button></div>
</div>
<div class="card">
<h2>Authorize URL</h2>
${v.error ? html`<div class="error" role="alert">${v.error}</div>` : ''}
<form method="get" action="/pkce" id="authorize-form">
<label for="endpoint">Endpoint</label>
<select id="endpoint" name="endpoint">
<option value="oauth2"${v.endpoint === 'oauth2' ? ' selected' : ''}>OAuth 2.1 / OpenID Connect (/{tenant}/{server}/oauth2/authorize)</option>
<option value="stackexchange"${v.endpoint === 'stackexchange' ? ' selected' : ''}>Stack Exchange–compatible (/oauth)</option>
</select>
<label for="tenant">Tenant</label>
<input type="text" id="tenant" name="tenant" value="${v.tenant}" pattern="[a-z0-9][a-z0-9-]{0,62}" required>
<label for="server">Authorization server</label>
<input type="text" id="server" name="server" value="${v.server}" pattern="[a-z0-9][a-z0-9-]{0,62}" required>
<label for="client_id">Client ID</label>
<input type="text" id="client_id" name="client_id" value="${v.clientId}" required>
<label for="redirect_uri">Redirect URI</label>
<input type="url" id="redirect_uri" name="redirect_uri" value="${v.redirectUri}" required>
<label for="scope">Scopes (space- or comma-separated)</label>
<input type="text" id="scope" name="scope" value="${v.scope}">
<input type="hidden" id="state" name="state" value="${v.state}">
<div class="actions"><button type="submit">Build the URL</button></div>
</form>
${copyable('authorize_url', 'Open this URL to sign in and get a code', v.authorizeUrl ?? '', 4)}
<p class="hint">Then exchange the code at the token endpoint with <code>grant_type=authorization_code</code>, the same
<code>redirect_uri</code> and the <code>code_verifier</code> above — or let <code>pixie token</code> do every step for you.</p>
</div>`);
}
