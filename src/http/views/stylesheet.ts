/** Pixie's one stylesheet, served at /static/pixie.css (kept in code so the build needs no copy step). */
export const STYLESHEET = `
:root { --ink:#1d2430; --muted:#5b6577; --line:#dde2ea; --bg:#f5f7fb; --card:#fff; --accent:#5b3fd6; --accent-ink:#fff; --danger:#b42318; --ok:#067647; }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); overflow-wrap:anywhere; }
header.top { background:var(--card); border-bottom:1px solid var(--line); padding:.75rem 1.5rem; display:flex; align-items:center; gap:.5rem 1rem; flex-wrap:wrap; }
header.top .brand { font-weight:700; color:var(--accent); text-decoration:none; font-size:1.15rem; }
header.top nav { margin-left:auto; display:flex; gap:.5rem 1rem; align-items:center; flex-wrap:wrap; }
header.top nav a { color:var(--muted); text-decoration:none; }
main { max-width:40rem; margin:2.5rem auto; padding:0 1rem; }
main.wide { max-width:64rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:12px; padding:1.75rem; box-shadow:0 1px 2px rgba(16,24,40,.05); margin-bottom:1.25rem; }
h1 { font-size:1.5rem; margin:0 0 .5rem; } h2 { font-size:1.15rem; margin:1.25rem 0 .5rem; }
p.lead { color:var(--muted); margin-top:0; }
label { display:block; font-weight:600; margin:1rem 0 .35rem; }
input[type=text], input[type=password], input[type=url], input[type=date], select, textarea { width:100%; padding:.6rem .75rem; border:1px solid var(--line); border-radius:8px; font:inherit; background:#fff; }
input:focus, select:focus, textarea:focus { outline:2px solid var(--accent); outline-offset:1px; }
.hint { color:var(--muted); font-size:.875rem; margin:.25rem 0 0; }
.actions + .hint, form + .hint { margin-top:1rem; }
.actions { display:flex; gap:.75rem; margin-top:1.5rem; flex-wrap:wrap; }
button, .button { appearance:none; border:1px solid var(--accent); background:var(--accent); color:var(--accent-ink); padding:.6rem 1.2rem; border-radius:8px; font:inherit; font-weight:600; cursor:pointer; text-decoration:none; display:inline-block; }
button.secondary, .button.secondary { background:#fff; color:var(--ink); border-color:var(--line); }
button.danger { background:var(--danger); border-color:var(--danger); }
.error { background:#fef3f2; border:1px solid #fecdca; color:var(--danger); padding:.75rem 1rem; border-radius:8px; margin:1rem 0; }
.notice { background:#ecfdf3; border:1px solid #abefc6; color:var(--ok); padding:.75rem 1rem; border-radius:8px; margin:1rem 0; }
ul.scopes { list-style:none; padding:0; margin:1rem 0; }
ul.scopes li { padding:.6rem .75rem; border:1px solid var(--line); border-radius:8px; margin-bottom:.5rem; }
ul.scopes li code { color:var(--muted); font-size:.8rem; margin-left:.35rem; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.secret { font-family: ui-monospace, Menlo, Consolas, monospace; background:#f2f4f7; border:1px dashed var(--line); padding:.6rem .75rem; border-radius:8px; word-break:break-all; }
table { width:100%; border-collapse:collapse; } th, td { text-align:left; padding:.5rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:.875rem; }
.app-name { font-weight:700; }
footer { text-align:center; color:var(--muted); font-size:.8rem; margin:2rem 0; }
/* Developer portal and account pages */
header.top nav .who { color:var(--ink); font-weight:600; padding-left:1rem; border-left:1px solid var(--line); }
.page-head { display:flex; align-items:flex-start; justify-content:space-between; gap:1rem; margin-bottom:1.25rem; flex-wrap:wrap; }
.page-head h1 { display:flex; align-items:center; gap:.6rem; flex-wrap:wrap; }
.crumbs { margin:0 0 .75rem; font-size:.875rem; color:var(--muted); } .crumbs a { color:var(--muted); }
a { color:var(--accent); }
.muted { color:var(--muted); } .small { font-size:.85rem; } .strong { font-weight:600; color:var(--ink); text-decoration:none; }
a.strong:hover { color:var(--accent); text-decoration:underline; }
h2.first { margin-top:0; }
.badge { display:inline-block; font-size:.75rem; font-weight:600; padding:.15rem .55rem; border-radius:999px; background:#eef1f6; color:var(--muted); vertical-align:middle; white-space:nowrap; }
.badge-accent { background:#efebff; color:var(--accent); } .badge-danger { background:#fef3f2; color:var(--danger); }
.card.flush { padding:0; overflow:hidden; } .card.flush table th, .card.flush table td { padding:.85rem 1.25rem; }
table.list tbody tr:last-child td { border-bottom:0; } table.list td { font-size:.925rem; }
table.list thead th { background:#fafbfd; text-transform:uppercase; letter-spacing:.03em; font-size:.72rem; }
tr.revoked td { color:var(--muted); } tr.revoked td code { text-decoration:line-through; }
.row-actions { text-align:right; white-space:nowrap; } .row-actions a { margin-left:.85rem; font-size:.875rem; font-weight:600; }
a.danger-link { color:var(--danger); }
.card.empty { text-align:center; padding:3rem 1.75rem; } .card.empty p { color:var(--muted); }
p.empty-line { margin:.75rem 0; }
fieldset { border:1px solid var(--line); border-radius:10px; padding:.5rem 1rem 1rem; margin:1.5rem 0 0; min-width:0; }
legend { font-weight:700; padding:0 .4rem; }
label.check { display:flex; gap:.7rem; align-items:flex-start; font-weight:400; margin:.8rem 0 0; cursor:pointer; }
label.check input { margin-top:.3rem; width:1rem; height:1rem; accent-color:var(--accent); flex:none; }
label.check .hint { display:block; margin:0; }
label.check.disabled { opacity:.55; cursor:not-allowed; }
.optional { font-weight:400; color:var(--muted); font-size:.8rem; margin-left:.25rem; }
textarea.mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size:.875rem; }
button.small, .button.small { padding:.35rem .8rem; font-size:.85rem; }
.button.danger { background:var(--danger); border-color:var(--danger); color:#fff; }
.copy-box { display:flex; align-items:center; gap:.75rem; background:#f2f4f7; border:1px solid var(--line); border-radius:8px; padding:.55rem .55rem .55rem .85rem; }
.copy-box code { flex:1; min-width:0; word-break:break-all; font-size:.95rem; }
.copy-box.is-secret { background:#fffbeb; border:1px dashed #f5c451; }
.card.issued { border:2px solid #f5c451; background:#fffdf5; }
.card.issued h2 { margin-top:0; }
.inline-form { display:flex; gap:.75rem; align-items:flex-end; flex-wrap:wrap; margin-top:1.25rem; padding-top:1rem; border-top:1px dashed var(--line); }
.inline-form > div { flex:1 1 12rem; } .inline-form > div:last-child { flex:0 0 auto; }
.inline-form label { margin-top:0; font-size:.85rem; }
.card.danger-zone { border-color:#fecdca; }
.warning { background:#fffaeb; border:1px solid #fedf89; color:#7a2e0e; padding:.25rem 1rem; border-radius:8px; margin:1rem 0; }
ul.authorized { list-style:none; padding:0; margin:1rem 0 0; }
ul.authorized li { display:flex; justify-content:space-between; align-items:center; gap:1rem; padding:1rem 0; border-top:1px solid var(--line); }
.authorized-main { display:flex; flex-direction:column; gap:.4rem; min-width:0; }
.chips { display:flex; flex-wrap:wrap; gap:.35rem; }
.chip { font-size:.8rem; background:#f2f4f7; border:1px solid var(--line); border-radius:999px; padding:.1rem .6rem; }
/* Home page and 404 */
ul.links { list-style:none; padding:0; margin:1rem 0 0; }
ul.links li { display:flex; flex-direction:column; gap:.2rem; padding:.7rem 0; border-top:1px solid var(--line); }
ul.links .link-row { display:flex; flex-wrap:wrap; gap:.25rem 1rem; font-size:.875rem; }
code.wrap { word-break:break-all; }
/* Device verification: the code is typed in large, spaced capitals */
input.user-code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size:1.5rem; letter-spacing:.15em; text-transform:uppercase; text-align:center; }
/* Phones: cards lose some padding, tables become one block per row with each value under its column's label (data-label) */
@media (max-width: 40rem) {
  header.top { padding:.6rem 1rem; }
  main { margin:1.25rem auto; padding:0 .75rem; }
  .card { padding:1.1rem; }
  .card.flush table th, .card.flush table td { padding:.3rem 1.1rem; }
  .row-actions { text-align:left; } .row-actions a { margin:0 .85rem 0 0; }
  table.list thead { display:none; }
  table.list tr { display:block; border-bottom:1px solid var(--line); padding:.5rem 0; }
  table.list td { display:block; border:0; padding:.2rem 0; }
  table.list td[data-label]::before { content:attr(data-label); display:block; color:var(--muted); font-size:.7rem; font-weight:600; text-transform:uppercase; letter-spacing:.03em; }
  ul.authorized li { flex-wrap:wrap; }
  .copy-box { flex-wrap:wrap; }
}
`;
