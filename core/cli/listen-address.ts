// `--listen HOST:PORT` (or PORT, or [v6]:PORT) for the commands that open a server.
import { UsageError } from '../common';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export function parseListen(text: string, command: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d+)$/.exec(text) ?? (/^(\d+)$/.test(text) ? [text, undefined, '127.0.0.1', text] : null);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${command}: --listen "${text}" is not HOST:PORT (for example 127.0.0.1:8480)`);
  }
  return { host: m[1] ?? m[2]!, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
