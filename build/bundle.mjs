// Bundles what Node and Electron run in the built app into dist-electron/ (CommonJS):
// main.cjs (Electron main), preload.cjs, vmdesk.cjs (the CLI) and workers/<name>.cjs.
// Each bundle learns its folder from a banner, which core/common/worker.ts uses to find
// the worker bundles (STACK.md pitfall 1: the app never starts a .ts worker).
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeExternals } from './entries/externals.mjs';
import { workerEntries } from './entries/workers.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = path.join(root, 'dist-electron');

function banner(depth) {
  const up = depth === 0 ? '' : `, ${JSON.stringify('../'.repeat(depth))}`;
  return [
    `var __vmdeskImportMetaUrl = require('url').pathToFileURL(__filename).href;`,
    `globalThis.__vmdeskBundleDir = require('path').resolve(__dirname${up});`,
  ].join('\n');
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external: ['electron', ...runtimeExternals],
  define: { 'import.meta.url': '__vmdeskImportMetaUrl' },
  logLevel: 'warning',
  absWorkingDir: root,
};

// Worker bundles are minified into ASCII: each worker thread keeps its own copy of the source
// text (twice over, and as UTF-16 if one character is not Latin-1) and of what V8 builds from
// it, once per VM, so the 594 KB commented source cost ~1.5 MiB more per VM than this ~320 KB
// (test/bench/host-idle-memory.ts). Stack traces map back through the .map files
// (node --enable-source-maps).
const workerOptions = { minify: true, charset: 'ascii' };

await Promise.all([
  build({ ...common, entryPoints: ['electron/main.ts'], outfile: path.join(out, 'main.cjs'), banner: { js: banner(0) } }),
  build({ ...common, entryPoints: ['electron/preload.ts'], outfile: path.join(out, 'preload.cjs'), platform: 'browser', define: {}, external: ['electron'] }),
  build({ ...common, entryPoints: ['build/entries/cli.ts'], outfile: path.join(out, 'vmdesk.cjs'), banner: { js: '#!/usr/bin/env node\n' + banner(0) } }),
  ...Object.entries(workerEntries).map(([name, entry]) =>
    build({ ...common, ...workerOptions, entryPoints: [entry], outfile: path.join(out, 'workers', `${name}.cjs`), banner: { js: banner(1) } }),
  ),
]);
console.log(`bundle: dist-electron/ main.cjs preload.cjs vmdesk.cjs workers/{${Object.keys(workerEntries).join(',')}}.cjs`);
