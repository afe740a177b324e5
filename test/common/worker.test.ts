// Bundled workers start without the host's preloads: a host run as `node --import tsx …`
// (the benchmarks, a checkout's scripts) would otherwise load tsx again in every VM worker,
// ~8 MiB each. A real host process under --import tsx and --expose-gc starts a bundled
// worker from a bundle folder of this test's making, which reports what it was started with.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledWorkerExecArgv } from '../../core/common';

const repo = path.resolve(__dirname, '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-worker-argv-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('bundled workers', () => {
  it('drop the preload options of the parent and keep the rest', () => {
    expect(bundledWorkerExecArgv(['--import', 'tsx', '--no-warnings', '--require=./hook.cjs', '-r', 'x', '--loader', 'y', '--experimental-loader=z', '--enable-source-maps'])).toEqual([
      '--no-warnings',
      '--enable-source-maps',
    ]);
  });

  it('started from a host under --import tsx and a V8 flag, run without tsx and still get the flag', () => {
    fs.mkdirSync(path.join(dir, 'workers'));
    // A bundled worker of ours: it answers with the Node options it runs under (an inherited
    // `--import tsx` would have loaded tsx before it) and whether the process-wide V8 flag reached it.
    fs.writeFileSync(
      path.join(dir, 'workers', 'probe.cjs'),
      `const { parentPort } = require('node:worker_threads');
       parentPort.postMessage({ execArgv: process.execArgv, gc: typeof globalThis.gc });`,
    );
    const host = path.join(dir, 'host.ts');
    fs.writeFileSync(
      host,
      `import { startWorker } from ${JSON.stringify(path.join(repo, 'core', 'common', 'index.ts'))};
       globalThis.__vmdeskBundleDir = ${JSON.stringify(dir)};
       const w = startWorker({ source: new URL('file:///unused.ts'), bundle: 'probe' }, {});
       w.once('message', (m) => { console.log(JSON.stringify(m)); void w.terminate(); });`,
    );
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', host], { cwd: repo, encoding: 'utf8' });
    const report = JSON.parse(out.trim().split('\n').pop()!) as { execArgv: string[]; gc: string };
    expect(report.execArgv).not.toContain('--import');
    expect(report.execArgv).not.toContain('tsx');
    expect(report.gc).toBe('function');
  });
});
