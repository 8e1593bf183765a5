// Preloaded by scripts/test-node24.mjs (NODE_OPTIONS=--require): better-sqlite3 loads its
// native addon through the `bindings` package; this answers that one lookup with the addon
// built for the running Node (PIXIE_SQLITE_ADDON) instead of the one npm install built.
const Module = require('node:module');
const addon = process.env.PIXIE_SQLITE_ADDON;
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const exported = load.call(this, request, parent, isMain);
  if (request !== 'bindings' || !addon || !parent?.filename?.includes('better-sqlite3')) return exported;
  return (name) => (name === 'better_sqlite3.node' || name === 'better_sqlite3' ? require(addon) : exported(name));
};
