/** Pixie's one stylesheet, served at /static/pixie.css (kept in code so the build needs no copy step). */
export const STYLESHEET = `
:root { --ink:#1d2430; --muted:#5b6577; --line:#dde2ea; --bg:#f5f7fb; --card:#fff; --accent:#5b3fd6; --accent-ink:#fff; --danger:#b42318; --ok:#067647; }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
header.top { background:var(--card); border-bottom:1px solid var(--line); padding:.75rem 1.5rem; display:flex; align-items:center; gap:1rem; }
header.top .brand { font-weight:700; color:var(--accent); text-decoration:none; font-size:1.15rem; }
header.top nav { margin-left:auto; display:flex; gap:1rem; align-items:center; }
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
`;
