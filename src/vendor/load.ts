/**
 * Third-party packages that the server loads at start-up, taken from single-file copies that
 * `npm run build` (and so `npm install`, through `prepare`) makes with esbuild
 * (scripts/bundle-vendor.mjs): next to this module in dist/, and from dist/ too when this runs
 * from src/ (the tests), so that the tests run the code the server runs.
 *
 * Why: Node 20's module loader pays per file, and TypeBox (~270 files) and Fastify with its
 * dependencies (~300) cost ~100 ms and ~75 ms of start-up that way; one file each costs ~20 ms.
 * Without them, start-up to /readyz takes ~0.4 s more CPU time (docs/benchmarks.md, "Start-up
 * with and without the bundles"). The copies are made from the installed packages, whose
 * versions package-lock.json pins and `npm audit` checks (test/cli/serve.test.ts compares them).
 * Without the copies (no build yet) the packages themselves are loaded: same code, same versions.
 */
import { existsSync } from 'node:fs';

/** Where a bundle is looked for: beside this module in dist/vendor/, or in dist/vendor/ from src/vendor/. */
function bundlePath(name: string): URL {
  const dir = import.meta.url.endsWith('.ts') ? '../../dist/vendor/' : './';
  return new URL(`${dir}${name}.bundle.mjs`, import.meta.url);
}

export async function vendored<T>(name: string, fromPackage: () => Promise<T>): Promise<T> {
  const bundle = bundlePath(name);
  return existsSync(bundle) ? ((await import(bundle.href)) as T) : fromPackage();
}
