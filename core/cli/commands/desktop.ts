// `vmdesk desktop`: the Electron app with the embedded host. Where Electron's binary is
// missing (it is fetched on first use and needs the internet), say so in one line and
// serve the same UI to a browser instead, so the app's main job still runs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { UsageError, appRoot } from '../../common';
import { defineCommand } from '../command';
import { serveCommand } from './serve';

/**
 * The Electron binary if installed, without requiring `electron` (that would start a
 * download). VMDESK_ELECTRON names another binary (a system-wide Electron).
 */
export function findElectronBinary(): string | undefined {
  const chosen = process.env.VMDESK_ELECTRON;
  if (chosen) return fs.existsSync(chosen) ? chosen : undefined;
  try {
    const pkg = createRequire(path.join(appRoot(), 'package.json')).resolve('electron/package.json');
    const dir = path.dirname(pkg);
    const rel = fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
    const bin = path.join(dir, 'dist', rel);
    return fs.existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

export const desktopCommand = defineCommand({
  name: ['desktop'],
  summary: 'start the desktop app (falls back to the web UI where Electron cannot run)',
  usage: '[--datastore NAME=PATH]…',
  options: {
    datastore: { kind: 'strings', value: 'NAME=PATH', description: 'a directory to offer as a datastore' },
    listen: { kind: 'string', value: 'HOST:PORT', description: 'where the web UI listens if Electron cannot start' },
    'cpu-capacity': { kind: 'string', value: 'CORES', description: 'CPU the VMs may use in all (as `vmdesk serve --cpu-capacity`)' },
  },
  async run(args, io) {
    if (args.positionals.length > 0) throw new UsageError(`desktop: unexpected argument "${args.positionals[0]}"`);
    const electron = findElectronBinary();
    const main = path.join(appRoot(), 'dist-electron', 'main.cjs');
    if (electron && fs.existsSync(main)) {
      const capacity = args.options['cpu-capacity'];
      const env = capacity ? { ...process.env, VMDESK_CPU_CAPACITY: capacity } : process.env;
      const child = spawn(electron, [main, ...args.options.datastore.flatMap((d) => ['--datastore', d])], { stdio: 'inherit', env });
      return await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
    }
    const why = electron ? 'the app is not built (run `npm run build`)' : "Electron's binary is not installed (it downloads on first use and needs the internet)";
    io.stderr.write(`vmdesk: ${why}; serving the same UI in your browser instead\n`);
    return serveCommand.run({ ...args, options: { ...args.options, 'require-login': false } }, io);
  },
});
