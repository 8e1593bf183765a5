// Preloaded by scripts/test-node24.mjs (NODE_OPTIONS=--require): better-sqlite3 loads its
// native addon through the `bindings` package; this answers that one lookup with the addon
// built for Node 24 (BETTER_SQLITE3_ADDON_ABI<n>) instead of the one npm install built. Child processes
// inherit NODE_OPTIONS, and some run the machine's own Node (`npx` in the install test): they keep
// npm's addon, because the swap happens only for the ABI the addon was built for.
const Module = require('node:module');
const addon = process.env[`BETTER_SQLITE3_ADDON_ABI${process.versions.modules}`];
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const exported = load.call(this, request, parent, isMain);
  if (request !== 'bindings' || !addon || !parent?.filename?.includes('better-sqlite3')) return exported;
  return (name) => (name === 'better_sqlite3.node' || name === 'better_sqlite3' ? require(addon) : exported(name));
};
