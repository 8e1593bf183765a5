#!/usr/bin/env node
// Part of `npm run build`: single-file copies of the third-party packages the server loads at
// start-up, next to dist/vendor/*.js (src/vendor/load.ts says why and how they are used).
// The entries must export what src/vendor/<name>.ts reads; test/cli/serve.test.ts checks it.
import { build } from 'esbuild';
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

for (const [name, contents] of Object.entries(ENTRIES)) {
  await build({
    stdin: { contents, resolveDir: ROOT, sourcefile: `vendor-${name}.mjs`, loader: 'js' },
    bundle: true, format: 'esm', platform: 'node', target: 'node20',
    outfile: `${ROOT}dist/vendor/${name}.bundle.mjs`,
    external: EXTERNAL, banner: { js: BANNER }, legalComments: 'eof', logLevel: 'warning',
  });
}
console.log(`bundled ${Object.keys(ENTRIES).join(', ')} into dist/vendor/`);
