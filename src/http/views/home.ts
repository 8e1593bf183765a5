/** The home page (/) and the page of an unknown address (404). */
import { html } from './html.js';
import { layout } from './layout.js';

export interface HomeView {
  publicUrl: string;
  username: string | null;
  /** Issuers to show, at most `cap` of them. */
  issuers: string[];
  /** More servers exist than are listed. */
  more: boolean;
}

export function homePage(v: HomeView): string {
  return layout({ title: 'Home', username: v.username, wide: true }, html`
<div class="page-head"><div><h1>Pixie</h1>
<p class="lead">OAuth 2.1 and OpenID Connect authorization server at <code>${v.publicUrl}</code>.</p></div></div>
<div class="card">
<h2 class="first">Authorization servers</h2>
<p class="hint">Each has its issuer <code>${v.publicUrl}/{tenant}/{server}</code>; clients configure themselves from its discovery document.</p>
${v.issuers.length === 0 ? html`<p class="muted empty-line">No authorization servers yet.</p>` : html`<ul class="links">
${v.issuers.map((issuer) => html`<li><code>${issuer}</code>
<span class="link-row"><a href="${issuer}/.well-known/openid-configuration">Discovery</a><a href="${issuer}/.well-known/jwks.json">Keys (JWKS)</a></span></li>`)}
</ul>`}
${v.more ? html`<p class="hint">Showing the first ${v.issuers.length}. Every server's discovery document is at
<code>{issuer}/.well-known/openid-configuration</code>; the admin API lists every tenant (<code>/api/system/tenants</code>).</p>` : ''}
</div>
<div class="card">
<h2 class="first">Pages</h2>
<ul class="links">
<li><a class="strong" href="/apps">API applications</a><span class="muted small">Register applications, generate API keys and client secrets.</span></li>
<li><a class="strong" href="/account">Your account</a><span class="muted small">The applications you have authorized, and revoking them.</span></li>
<li><a class="strong" href="/pkce">PKCE helper</a><span class="muted small">A code verifier, its challenge and a ready authorize URL.</span></li>
<li><a class="strong" href="/api/swagger">Admin API documentation</a><span class="muted small">Swagger UI; the OpenAPI document is <a href="/api/openapi.json">/api/openapi.json</a>.</span></li>
</ul>
</div>`);
}

export function notFoundPage(path: string): string {
  return layout({ title: 'Page not found' }, html`<div class="card">
<h1>Page not found</h1>
<p>There is no page at <code class="wrap">${path}</code>.</p>
<p class="hint">Check the address, or start from the <a href="/">home page</a>.</p>
</div>`);
}
