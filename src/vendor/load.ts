/**
 * Third-party packages that the server loads at start-up, taken from single-file copies that
 * `npm run build` makes (scripts/bundle-vendor.mjs) when they exist next to this module.
 *
 * Why: Node 20's module loader pays per file, and TypeBox (~270 files) and Fastify with its
 * dependencies (~300) cost ~100 ms and ~75 ms of start-up that way; one file each costs
 * ~20 ms (issue 8: start-up to /readyz under 1 s). Without the copies (tests on src/, or a
 * build that did not make them) the packages themselves are loaded: same code, same versions.
 */
import { existsSync } from 'node:fs';

export async function vendored<T>(name: string, fromPackage: () => Promise<T>): Promise<T> {
  const bundle = new URL(`./${name}.bundle.mjs`, import.meta.url);
  return existsSync(bundle) ? ((await import(bundle.href)) as T) : fromPackage();
}
