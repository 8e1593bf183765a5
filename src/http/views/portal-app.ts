/** Developer portal: one application — client ID, API keys, client secrets, OAuth settings, delete. */
import type { ApiKey, Client, ClientSecret } from '../../core/types.js';
import type { AppSettings } from '../../portal/apps.js';
import type { CredentialKind, IssuedCredential } from '../../portal/credentials.js';
import { ago, copyBox, dateInputValue, day, errorBox, expiry, notice } from './format.js';
import { html, type Raw } from './html.js';
import { layout } from './layout.js';
import { appKind, settingsForm, type PortalUser } from './portal-apps.js';

export const KIND_PATH: Record<CredentialKind, string> = { 'api-key': 'api-keys', secret: 'secrets' };
export const KIND_NAME: Record<CredentialKind, string> = { 'api-key': 'API key', secret: 'client secret' };

export interface AppView extends PortalUser {
  csrf: string;
  app: Client;
  settings: AppSettings;
  apiKeys: ApiKey[];
  secrets: ClientSecret[];
  issued: IssuedCredential | null;
  loginSuccess: string;
  message: string | null;
  error: string | null;
  /** Which form the error belongs to, so it is shown next to it. */
  errorAt: 'settings' | CredentialKind | null;
}

function status(c: ClientSecret, now: number): Raw {
  if (c.revokedAt !== null) return html`<span class="badge badge-danger">Revoked ${day(c.revokedAt)}</span>`;
  return expiry(c.expiresAt, now);
}

function credentialRows(v: AppView, kind: CredentialKind, rows: ClientSecret[]): Raw {
  const base = `/apps/${v.app.clientId}/${KIND_PATH[kind]}`;
  const shown = rows.filter((r) => r.revokedAt === null || v.now - r.revokedAt < 30 * 86400);
  if (shown.length === 0) return html`<p class="muted empty-line">No ${KIND_NAME[kind]}s yet.</p>`;
  return html`<table class="list"><thead><tr><th>Name</th><th>${kind === 'api-key' ? 'Key' : 'Secret'}</th><th>Created</th><th>Expires</th><th>Last used</th><th></th></tr></thead>
<tbody>${shown.map((r) => html`<tr class="${r.revokedAt !== null ? 'revoked' : ''}">
<td class="strong" data-label="Name">${r.name}</td>
<td data-label="${kind === 'api-key' ? 'Key' : 'Secret'}"><code>${r.displayPrefix}…</code></td>
<td data-label="Created">${day(r.createdAt)}</td>
<td data-label="Expires">${status(r, v.now)}</td>
<td data-label="Last used">${ago(r.lastUsedAt, v.now)}</td>
<td class="row-actions">${r.revokedAt === null ? html`<a href="${base}/${r.id}/expiry">Expiry</a><a class="danger-link" href="${base}/${r.id}/revoke">Revoke</a>` : ''}</td>
</tr>`)}</tbody></table>`;
}

function generateForm(v: AppView, kind: CredentialKind): Raw {
  return html`<form method="post" action="/apps/${v.app.clientId}/${KIND_PATH[kind]}" class="inline-form">
<input type="hidden" name="csrf" value="${v.csrf}">
<div><label for="${kind}-name">Name</label><input type="text" id="${kind}-name" name="name" maxlength="100" placeholder="${kind === 'api-key' ? 'Production' : 'Server 2025'}"></div>
<div><label for="${kind}-expires">Expires on <span class="optional">optional</span></label><input type="date" id="${kind}-expires" name="expires_on"></div>
<div><button type="submit">Generate ${KIND_NAME[kind]}</button></div>
</form>`;
}

function issuedBox(issued: IssuedCredential): Raw {
  const what = KIND_NAME[issued.kind];
  return html`<div class="card issued" id="issued">
<h2>Your new ${what}: ${issued.record.name}</h2>
<p><strong>Copy it now and store it safely, for example in a password manager.</strong> For your security it will not be shown again; only its first characters stay visible.</p>
${copyBox('issued-value', issued.value, true)}
</div>`;
}

export function appPage(v: AppView): string {
  const a = v.app;
  return layout({ title: a.name, username: v.username, wide: true, scripts: ['/static/pixie.js'] }, html`
<p class="crumbs"><a href="/apps">API applications</a> /</p>
<div class="page-head"><div><h1>${a.name} ${appKind(a)}</h1>${a.description ? html`<p class="lead">${a.description}</p>` : ''}</div></div>
${notice(v.message)}
${v.errorAt === 'secret' && a.public ? errorBox(v.error) : ''}
${v.issued ? issuedBox(v.issued) : ''}
<div class="card">
<h2 class="first">Client ID</h2>
${copyBox('client-id', a.clientId)}
<p class="hint">Not a secret: it identifies the application in every OAuth request (<code>client_id</code>).</p>
</div>
<div class="card" id="api-keys">
<div class="section-head"><h2 class="first">API keys</h2></div>
<p class="hint">Send a key as <code>key</code> with API requests. A key alone reads public data only; add an access token to act as a user.</p>
${v.errorAt === 'api-key' ? errorBox(v.error) : ''}
${credentialRows(v, 'api-key', v.apiKeys)}
${generateForm(v, 'api-key')}
</div>
${a.public ? '' : html`<div class="card" id="secrets">
<h2 class="first">Client secrets</h2>
<p class="hint">Used by your server at the token endpoint: send it as <code>client_secret</code> in the form body, next to <code>client_id</code> (not in an Authorization header). Keep several to rotate without downtime: generate a new one, deploy it, then revoke the old one.</p>
${v.errorAt === 'secret' ? errorBox(v.error) : ''}
${credentialRows(v, 'secret', v.secrets)}
${generateForm(v, 'secret')}
</div>`}
<div class="card" id="oauth">
<h2 class="first">OAuth settings</h2>
${v.errorAt === 'settings' ? errorBox(v.error) : ''}
${settingsForm({ csrf: v.csrf, app: a, settings: v.settings, loginSuccess: v.loginSuccess })}
</div>
<div class="card danger-zone">
<h2 class="first">Delete application</h2>
<p>Deleting stops every API key, client secret and access token of this application at once. This cannot be undone.</p>
<a class="button danger" href="/apps/${a.clientId}/delete">Delete application…</a>
</div>`);
}

export interface ConfirmView extends PortalUser {
  csrf: string;
  title: string;
  message: Raw;
  action: string;
  confirmLabel: string;
  cancelHref: string;
}

/** Every destructive action goes through this page: a plain form, no script needed. */
export function confirmPage(v: ConfirmView): string {
  return layout({ title: v.title, username: v.username }, html`<div class="card">
<h1>${v.title}</h1>
<div class="warning">${v.message}</div>
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<div class="actions"><button type="submit" class="danger">${v.confirmLabel}</button><a class="button secondary" href="${v.cancelHref}">Cancel</a></div>
</form>
</div>`);
}

export interface ExpiryView extends PortalUser {
  csrf: string;
  app: Client;
  kind: CredentialKind;
  credential: ClientSecret;
  error: string | null;
}

export function expiryPage(v: ExpiryView): string {
  const back = `/apps/${v.app.clientId}#${KIND_PATH[v.kind]}`;
  return layout({ title: `Expiry of ${v.credential.name}`, username: v.username }, html`
<p class="crumbs"><a href="/apps">API applications</a> / <a href="${back}">${v.app.name}</a> /</p>
<div class="card">
<h1>Set expiry</h1>
<p class="lead">${KIND_NAME[v.kind]} <strong>${v.credential.name}</strong> (<code>${v.credential.displayPrefix}…</code>)</p>
${errorBox(v.error)}
<form method="post" action="/apps/${v.app.clientId}/${KIND_PATH[v.kind]}/${v.credential.id}/expiry">
<input type="hidden" name="csrf" value="${v.csrf}">
<label for="expires_on">Valid through</label>
<input type="date" id="expires_on" name="expires_on" value="${dateInputValue(v.credential.expiresAt)}">
<p class="hint">The ${KIND_NAME[v.kind]} stops working at the end of this day (UTC). Leave empty for no expiry.</p>
<div class="actions"><button type="submit">Save expiry</button><a class="button secondary" href="${back}">Cancel</a></div>
</form>
</div>`);
}
