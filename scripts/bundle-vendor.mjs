#!/usr/bin/env node
// Part of `npm run build`: single-file copies of the third-party packages the server loads at
// start-up, next to dist/vendor/*.js (src/vendor/load.ts says why and how they are used), made
// again by every `npm install` (prepare → build). The entries must export what
// src/vendor/<name>.ts reads; test/cli/serve.test.ts checks it, and that every package inlined
// is the version package-lock.json lists (dist/vendor/<name>.packages.json), which npm audit checks.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRIES = {
  // Both export a `Clone`, which `export *` would drop: the value one, as src/vendor/typebox.ts.
  typebox: "export * from '@sinclair/typebox'; export * from '@sinclair/typebox/value'; export { Clone } from '@sinclair/typebox/value';",
  fastify: [
    "export { default as fastify } from 'fastify';",
    "export { default as cookie } from '@fastify/cookie';",
    "export { default as formbody } from '@fastify/formbody';",
  ].join('\n'),
};
// Loaded from node_modules, not copied: Fastify only requires its schema compilers when none are
// given, and src/http/lazy-schemas.ts gives its own, loaded at first use; pino finds its
// transport worker files next to its own modules (__dirname), which a bundle would break.
const EXTERNAL = ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'pino'];
// The packages are CommonJS in part: their require() of Node's modules needs a real require.
const BANNER = "import { createRequire as __pixieCreateRequire } from 'node:module';\n"
  + 'const require = __pixieCreateRequire(import.meta.url);';

/**
 * The packages a bundle holds, as `{ "node_modules/<path>": version }`, from esbuild's list of
 * its input files: test/cli/serve.test.ts checks them against package-lock.json, which is what
 * `npm audit` audits, so nothing is bundled that the audit does not see.
 */
function packagesOf(metafile) {
  const out = {};
  for (const input of Object.keys(metafile.inputs)) {
    const at = input.indexOf('node_modules/');
    if (at < 0) continue;
    const dir = /^(node_modules\/(@[^/]+\/)?[^/]+\/)+/.exec(input.slice(at))[0].slice(0, -1);
    out[dir] ??= JSON.parse(readFileSync(`${ROOT}${dir}/package.json`, 'utf8')).version;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

for (const [name, contents] of Object.entries(ENTRIES)) {
  const { metafile } = await build({
    stdin: { contents, resolveDir: ROOT, sourcefile: `vendor-${name}.mjs`, loader: 'js' },
    bundle: true, format: 'esm', platform: 'node', target: 'node20',
    outfile: `${ROOT}dist/vendor/${name}.bundle.mjs`,
    external: EXTERNAL, banner: { js: BANNER }, legalComments: 'eof', logLevel: 'warning', metafile: true,
  });
  writeFileSync(`${ROOT}dist/vendor/${name}.packages.json`, `${JSON.stringify(packagesOf(metafile), null, 2)}\n`);
}
console.log(`bundled ${Object.keys(ENTRIES).join(', ')} into dist/vendor/`);
