// Where the app's files are: the checkout (source mode) or the folder above the bundle,
// and the user's vmdesk home (VMDESK_HOME, else ~/.local/share/vmdesk).
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isBundled } from './worker';

export function appRoot(): string {
  if (isBundled()) return path.resolve(globalThis.__vmdeskBundleDir!, '..');
  return fileURLToPath(new URL('../../', import.meta.url)).replace(/[\\/]$/, '');
}

export function vmdeskHome(): string {
  const env = process.env.VMDESK_HOME;
  if (env) return path.resolve(env);
  const data = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(data, 'vmdesk');
}
