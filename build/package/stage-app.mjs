// Stages the packaged app's folder (electron-builder's `directories.app`, default dist-app/):
// the built renderer and bundles, a package.json whose dependencies are the bundles' runtime
// externals (build/entries/externals.mjs) at the versions the root pins, and node_modules
// holding exactly those packages and what they depend on, copied from the root's install as
// package-lock.json resolves them. electron-builder then rebuilds that copy for Electron's
// ABI (build/package/rebuild-native.mjs) and packs it; the checkout's own node_modules stay
// built for Node, so `vmdesk` and the tests keep working after `npm run package`.
//   node build/package/stage-app.mjs [--out DIR] [--from DIR]
//   --from: where dist/renderer and dist-electron are (default: the repository).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeExternals } from '../entries/externals.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? path.resolve(args[args.indexOf(name) + 1]) : fallback);
const out = option('--out', path.join(root, 'dist-app'));
const from = option('--from', root);

const fail = (why) => {
  console.error(`stage-app: ${why}`);
  process.exit(1);
};
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

const pkg = readJson(path.join(root, 'package.json'));
const lock = readJson(path.join(root, 'package-lock.json')).packages ?? fail('package-lock.json has no "packages" (lockfileVersion 2 or later is needed)');

/** The lock entries of `name` as required from the package at `from` and of all it depends on. */
function closure(name, fromKey, found) {
  let dir = fromKey;
  for (;;) {
    const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    const entry = lock[key];
    if (entry) {
      if (found.has(key)) return;
      if (entry.dev) fail(`${key} is a dev dependency in package-lock.json, but the app needs it at run time`);
      found.set(key, entry);
      for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) closure(dep, key, found);
      return;
    }
    if (!dir) {
      if (fromKey && lock[fromKey]?.optionalDependencies?.[name]) return; // an optional dependency not installed here
      fail(`package-lock.json resolves no ${name} (needed by ${fromKey || 'the app'}); run npm install`);
    }
    const up = dir.lastIndexOf('/node_modules/');
    dir = up < 0 ? '' : dir.slice(0, up);
  }
}

const dependencies = {};
const modules = new Map();
for (const name of runtimeExternals) {
  const version = pkg.dependencies?.[name];
  if (!version) fail(`${name} is a runtime external of the bundles but not in package.json "dependencies"`);
  dependencies[name] = version;
  closure(name, '', modules);
}

for (const rel of ['dist/renderer', 'dist-electron']) {
  if (!fs.existsSync(path.join(from, rel))) fail(`${path.join(from, rel)} is missing; run \`npm run build\` first`);
}
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const appPkg = { name: pkg.name, productName: 'vmdesk', version: pkg.version, description: pkg.description, license: pkg.license, private: true, main: pkg.main, dependencies };
for (const key of ['author', 'homepage', 'repository']) if (pkg[key] !== undefined) appPkg[key] = pkg[key];
fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(appPkg, null, 2)}\n`);
const noMaps = (src) => !src.endsWith('.map');
for (const rel of ['dist/renderer', 'dist-electron']) fs.cpSync(path.join(from, rel), path.join(out, rel), { recursive: true, filter: noMaps });
for (const [key, entry] of modules) {
  const src = path.join(root, key);
  if (!fs.existsSync(path.join(src, 'package.json'))) fail(`${key} is in package-lock.json but not installed; run npm install`);
  const installed = readJson(path.join(src, 'package.json')).version;
  if (installed !== entry.version) fail(`${key} is ${installed} on disk but ${entry.version} in package-lock.json; run npm install`);
  // Its own nested node_modules are entries of their own in the closure (or not needed).
  fs.cpSync(src, path.join(out, key), { recursive: true, filter: (f) => path.relative(src, f).split(path.sep)[0] !== 'node_modules' });
}
console.log(`stage-app: ${path.relative(process.cwd(), out) || '.'}/ with ${Object.keys(dependencies).join(', ')} (${modules.size} packages in node_modules)`);
