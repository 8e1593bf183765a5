/** Developer portal: the list of a user's applications, the create form and the settings form. */
import type { Client } from '../../core/types.js';
import type { AppSettings } from '../../portal/apps.js';
import { errorBox, notice } from './format.js';
import { html, type Raw } from './html.js';
import { layout } from './layout.js';

export interface PortalUser {
  username: string;
  now: number;
}

export function appKind(c: Pick<Client, 'public'>): Raw {
  return c.public ? html`<span class="badge">Public</span>` : html`<span class="badge badge-accent">Confidential</span>`;
}

function grantLabels(c: Client): string[] {
  const out: string[] = [];
  if (c.grantTypes.includes('authorization_code')) out.push(c.requirePkce || c.public ? 'Authorization code with PKCE' : 'Authorization code (PKCE optional)');
  if (c.grantTypes.includes('implicit')) out.push('Implicit');
  if (c.grantTypes.includes('client_credentials')) out.push('Client credentials');
  if (c.grantTypes.includes('urn:ietf:params:oauth:grant-type:device_code')) out.push('Device code');
  return out;
}

export function appsPage(u: PortalUser, apps: Client[], message: string | null): string {
  return layout({ title: 'API applications', username: u.username, wide: true }, html`
<div class="page-head">
<div><h1>API applications</h1><p class="lead">Register applications that call APIs on behalf of users, and manage their keys and secrets.</p></div>
<a class="button" href="/apps/new">Create application</a>
</div>
${notice(message)}
${apps.length === 0 ? html`<div class="card empty">
<h2>No applications yet</h2>
<p>Create an application to get a client ID, then generate API keys and client secrets for it.</p>
<a class="button" href="/apps/new">Create your first application</a>
</div>` : html`<div class="card flush"><table class="list">
<thead><tr><th>Application</th><th>Client ID</th><th>Type</th><th>Grant types</th></tr></thead>
<tbody>${apps.map((a) => html`<tr>
<td data-label="Application"><a class="strong" href="/apps/${a.clientId}">${a.name}</a>${a.description ? html`<div class="muted small">${a.description.slice(0, 120)}</div>` : ''}</td>
<td data-label="Client ID"><code>${a.clientId}</code></td>
<td data-label="Type">${appKind(a)}</td>
<td class="small" data-label="Grant types">${grantLabels(a).join(', ')}</td>
</tr>`)}</tbody></table></div>`}`);
}

function check(name: string, checked: boolean, label: string, hint: string, disabled = false): Raw {
  return html`<label class="check${disabled ? ' disabled' : ''}"><input type="checkbox" name="${name}" value="on"${checked ? html` checked` : ''}${disabled ? html` disabled` : ''}>
<span><strong>${label}</strong><span class="hint">${hint}</span></span></label>`;
}

/** Name, description, OAuth domain and redirect URIs: asked at creation and editable later. */
function basicFields(s: AppSettings): Raw {
  return html`<label for="name">Application name</label>
<input type="text" id="name" name="name" required maxlength="100" value="${s.name}" placeholder="My reporting tool">
<label for="description">Description <span class="optional">optional</span></label>
<textarea id="description" name="description" rows="2" maxlength="1000" placeholder="What the application does, for your users and colleagues">${s.description}</textarea>
<label for="oauth_domain">OAuth domain</label>
<input type="text" id="oauth_domain" name="oauth_domain" value="${s.oauthDomain}" placeholder="app.example.com" autocapitalize="off" spellcheck="false">
<p class="hint">Users may be sent back to any <code>https</code> address on this domain or its subdomains. Enter the host only, without <code>https://</code>.</p>
<label for="redirect_uris">Redirect URIs <span class="optional">optional</span></label>
<textarea id="redirect_uris" name="redirect_uris" rows="3" class="mono" spellcheck="false" placeholder="https://app.example.com/oauth/callback&#10;http://127.0.0.1/callback">${s.redirectUris}</textarea>
<p class="hint">One per line. Exact addresses; for native apps <code>http://127.0.0.1/path</code> matches any port.</p>`;
}

/** RP-initiated logout: where the application may send users after they sign out. */
function postLogoutField(s: AppSettings): Raw {
  return html`<label for="post_logout_redirect_uris">Post-logout redirect URIs <span class="optional">optional</span></label>
<textarea id="post_logout_redirect_uris" name="post_logout_redirect_uris" rows="2" class="mono" spellcheck="false" placeholder="https://app.example.com/signed-out">${s.postLogoutRedirectUris}</textarea>
<p class="hint">One per line. Exact addresses the application may pass as <code>post_logout_redirect_uri</code> when it signs users out.</p>`;
}

function nonWebCheck(s: AppSettings, loginSuccess: string): Raw {
  return check('non_web_redirect', s.nonWebRedirect, 'Non-web redirect',
    `For desktop apps and scripts: users land on ${loginSuccess}, which shows the code to copy.`);
}

export interface NewAppView extends PortalUser {
  csrf: string;
  settings: AppSettings;
  isPublic: boolean;
  loginSuccess: string;
  error: string | null;
}

export function newAppPage(v: NewAppView): string {
  return layout({ title: 'Create application', username: v.username }, html`
<p class="crumbs"><a href="/apps">API applications</a> /</p>
<div class="card">
<h1>Create an API application</h1>
<p class="lead">You get a client ID at once; API keys and client secrets are generated on the next page.</p>
${errorBox(v.error)}
<form method="post" action="/apps">
<input type="hidden" name="csrf" value="${v.csrf}">
${basicFields(v.settings)}
<fieldset><legend>Application type</legend>
<label class="check"><input type="radio" name="type" value="confidential"${v.isPublic ? '' : html` checked`}>
<span><strong>Confidential</strong><span class="hint">Runs on a server you control and can keep a client secret.</span></span></label>
<label class="check"><input type="radio" name="type" value="public"${v.isPublic ? html` checked` : ''}>
<span><strong>Public</strong><span class="hint">Single-page, mobile or desktop app: it cannot keep a secret and always uses PKCE.</span></span></label>
</fieldset>
<fieldset><legend>Permissions</legend>${nonWebCheck(v.settings, v.loginSuccess)}</fieldset>
<div class="actions"><button type="submit">Create application</button><a class="button secondary" href="/apps">Cancel</a></div>
</form>
</div>`);
}

export interface SettingsFormView {
  csrf: string;
  app: Client;
  settings: AppSettings;
  loginSuccess: string;
}

export function settingsForm(v: SettingsFormView): Raw {
  const s = v.settings;
  const g = s.grants;
  return html`<form method="post" action="/apps/${v.app.clientId}" id="settings">
<input type="hidden" name="csrf" value="${v.csrf}">
${basicFields(s)}
${postLogoutField(s)}
<label for="allowed_origins">Allowed origins <span class="optional">optional</span></label>
<textarea id="allowed_origins" name="allowed_origins" rows="2" class="mono" spellcheck="false" placeholder="https://app.example.com">${s.allowedOrigins}</textarea>
<p class="hint">For single-page apps: the web pages at these addresses may call the token endpoint and userinfo from the browser. One per line, scheme and host only, like <code>https://app.example.com</code>. The addresses of your redirect URIs are allowed already.</p>
<fieldset><legend>Grant types</legend>
${check('grant_code_pkce', g.authorizationCodePkce, 'Authorization code with PKCE', 'Recommended for every kind of application.')}
${check('grant_code', g.authorizationCode, 'Authorization code', v.app.public ? 'Public applications always use PKCE.' : 'Without PKCE: the token request must carry a client secret.', v.app.public)}
${check('grant_implicit', g.implicit, 'Implicit (legacy)', 'The token is returned in the address bar. Use only when nothing else works.')}
${check('grant_device_code', g.deviceCode, 'Device code', 'For devices without a browser (TVs, command lines): the user enters a code on their phone or computer.')}
${check('grant_client_credentials', g.clientCredentials, 'Client credentials', v.app.public ? 'Needs a client secret: not available to public applications.' : 'The application gets a token for itself, with no user.', v.app.public)}
</fieldset>
<fieldset><legend>Permissions</legend>
${check('allow_no_expiry', s.allowNoExpiry, 'Tokens without expiry', 'Lets users grant the no_expiry scope. Tokens otherwise expire after 24 hours.')}
${nonWebCheck(s, v.loginSuccess)}
${check('dpop_bound_access_tokens', s.dpopBoundAccessTokens, 'Always use DPoP', 'Every token request must carry a DPoP proof (RFC 9449): tokens are then bound to the application\'s key and useless to anyone who copies them.')}
</fieldset>
<div class="actions"><button type="submit">Save settings</button></div>
</form>`;
}

