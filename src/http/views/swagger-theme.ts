/**
 * Swagger UI dressed as Pixie: its name and colours (the palette of stylesheet.ts), a header like
 * Pixie's pages instead of Swagger's "Explore" bar. Served by @fastify/swagger-ui under
 * /api/swagger/theme/ (script-src 'self' allows the script).
 */

const CSS = `
:root { --ink:#1d2430; --muted:#5b6577; --line:#dde2ea; --bg:#f5f7fb; --card:#fff; --accent:#5b3fd6; }
body { margin:0; background:var(--bg); }
.pixie-top { background:var(--card); border-bottom:1px solid var(--line); padding:.75rem 1.5rem; display:flex; align-items:center; gap:.5rem 1rem; flex-wrap:wrap;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.pixie-top .brand { font-weight:700; color:var(--accent); text-decoration:none; font-size:1.15rem; }
.pixie-top .what { color:var(--muted); }
.pixie-top nav { margin-left:auto; display:flex; gap:1rem; }
.pixie-top nav a { color:var(--muted); text-decoration:none; }
.swagger-ui, .swagger-ui .info .title, .swagger-ui .opblock-tag, .swagger-ui .btn { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.swagger-ui .wrapper { max-width:72rem; }
.swagger-ui .info .title { color:var(--ink); }
.swagger-ui .info .title small.version-stamp { background:var(--accent); }
.swagger-ui .info a, .swagger-ui a.nostyle { color:var(--accent); }
.swagger-ui .scheme-container { background:var(--card); box-shadow:none; border-top:1px solid var(--line); border-bottom:1px solid var(--line); }
.swagger-ui .btn { border-radius:8px; }
.swagger-ui .btn.authorize { color:var(--accent); border-color:var(--accent); }
.swagger-ui .btn.authorize svg { fill:var(--accent); }
.swagger-ui .btn.execute, .swagger-ui .auth-btn-wrapper .authorize { background:var(--accent); border-color:var(--accent); color:#fff; }
.swagger-ui .auth-btn-wrapper .btn-done { background:#fff; color:var(--ink); border-color:var(--line); }
.swagger-ui .opblock-tag { color:var(--ink); border-bottom-color:var(--line); }
.swagger-ui .opblock { border-radius:8px; box-shadow:0 1px 2px rgba(16,24,40,.05); }
.swagger-ui .dialog-ux .modal-ux { border-radius:12px; }
.swagger-ui input[type=text], .swagger-ui input[type=password], .swagger-ui textarea, .swagger-ui select { border-radius:8px; }
.swagger-ui input:focus, .swagger-ui textarea:focus, .swagger-ui select:focus { outline:2px solid var(--accent); outline-offset:1px; }
`;

// Built with DOM calls, not markup strings: nothing here is user input, but it keeps the script obviously safe.
const JS = `
(function () {
  function header() {
    var top = document.createElement('header');
    top.className = 'pixie-top';
    var brand = document.createElement('a');
    brand.className = 'brand'; brand.href = '/'; brand.textContent = 'Pixie';
    var what = document.createElement('span');
    what.className = 'what'; what.textContent = 'Admin API';
    var nav = document.createElement('nav');
    var spec = document.createElement('a');
    spec.href = '/api/openapi.json'; spec.textContent = 'openapi.json';
    nav.appendChild(spec);
    top.appendChild(brand); top.appendChild(what); top.appendChild(nav);
    document.body.insertBefore(top, document.body.firstChild);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', header);
  else header();
})();
`;

export const SWAGGER_THEME = {
  title: 'Pixie admin API',
  css: [{ filename: 'pixie.css', content: CSS }],
  js: [{ filename: 'pixie.js', content: JS }],
};
