#!/usr/bin/env node
// `npm run test:node24 [files…]`: the test suite on the newest Node 24, taken from the npm registry
// (`npx -p node-<platform>-<arch>@24`, the package that holds the Node binary and its headers),
// whatever Node runs npm. node_modules is installed for the Node that ran `npm install`, and
// better-sqlite3's native addon is built for that Node's ABI only: this script builds a second copy
// of the addon for Node 24 (node-gyp, once, cached in ~/.cache/pixie/) with the headers of the same
// package and makes the tests load that one (scripts/sqlite-addon.cjs). Nothing is fetched from
// anywhere but the registry.
//
// Why the binary package and not `npx node@24`: the `node` package lags behind (24.21.0 when this
// was written, against 24.22.3), and Node 24.19–24.21 abort in a native assertion
// (RemoveEnvironmentCleanupHook) when the garbage collector frees a better-sqlite3 statement whose
// addon was built with the headers of those releases; 24.22.1 fixed it (docs/troubleshooting.md).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const require = createRequire(join(root, 'package.json'));
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const nodePackage = `node-${process.platform}-${process.arch}@${process.env.PIXIE_NODE24 ?? '24'}`;

const [node24, abi, nodeVersion] = execFileSync(npx, ['-y', '-p', nodePackage, '--', 'node', '-p', '[process.execPath, process.versions.modules, process.versions.node].join(" ")'], { cwd: root, encoding: 'utf8' })
  .trim().split('\n').at(-1).split(' ');
console.log(`# Node ${nodeVersion} (${nodePackage} from the npm registry)`);

/** The package's own headers (`include/node` next to `bin/node`), for node-gyp. */
function headersDir() {
  const dir = dirname(dirname(node24));
  if (!existsSync(join(dir, 'include', 'node', 'node.h'))) throw new Error(`${nodePackage} has no include/node: cannot build better-sqlite3 for it`);
  return dir;
}
const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'));
const { version } = require('better-sqlite3/package.json');
const addon = join(homedir(), '.cache', 'pixie', `better-sqlite3-${version}-node${nodeVersion}.node`);

function buildAddon() {
  const nodeGyp = join(dirname(dirname(require.resolve('npm/package.json', { paths: [dirname(process.execPath), '/usr/lib/node_modules', '/usr/local/lib/node_modules'] }))), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const work = mkdtempSync(join(tmpdir(), 'pixie-node24-'));
  try {
    cpSync(sqliteDir, work, { recursive: true, filter: (src) => !src.startsWith(join(sqliteDir, 'build')) });
    // Not npm's `nodedir` (npm run exports it): headers of another Node build an addon Node 24 refuses.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.toLowerCase() !== 'npm_config_nodedir'));
    console.log(`# building better-sqlite3 ${version} for Node 24 (once)`);
    const r = spawnSync(node24, [nodeGyp, 'rebuild', '--release', `--nodedir=${headersDir()}`], { cwd: work, encoding: 'utf8', env });
    const built = join(work, 'build', 'Release', 'better_sqlite3.node');
    if (r.status !== 0 || spawnSync(node24, ['-e', `require(${JSON.stringify(built)})`]).status !== 0) {
      console.log(`${r.stderr}`.trim().split('\n').filter((l) => /ERR!/.test(l)).slice(0, 6).join('\n'));
      return false;
    }
    mkdirSync(dirname(addon), { recursive: true });
    cpSync(built, addon);
    return true;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const env = { ...process.env };
if (existsSync(addon) || buildAddon()) {
  // Not a PIXIE_ name: tests that start `pixie` with a clean environment drop those.
  env[`BETTER_SQLITE3_ADDON_ABI${abi}`] = addon;
  env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require ${join(root, 'scripts', 'sqlite-addon.cjs')}`.trim();
} else {
  console.log(`# better-sqlite3 could not be built for Node 24 (ABI ${abi}): tests that open SQLite will fail`);
}
const result = spawnSync(node24, [join(root, 'scripts', 'run-tests.mjs'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
process.exit(result.status ?? 1);
