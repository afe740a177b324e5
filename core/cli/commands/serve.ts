// `vmdesk serve`: a headless host agent with the web UI and the API on one port. On a
// loopback address it is open, as before; on any other address (or with --require-login)
// it needs a login and speaks TLS with a self-signed certificate made on first run.
import path from 'node:path';
import { UsageError, appRoot, vmdeskHome } from '../../common';
import { AuthGate, loadOrCreateCertificate, startWebServer } from '../../server';
import type { CommandIo } from '../command';
import { defineCommand } from '../command';
import { startEmbeddedHost } from '../embedded-host';
import { isLoopback, parseListen } from '../listen-address';
import { promptHidden } from '../password-prompt';
import { accountStore } from './user-add';

export const DEFAULT_LISTEN = '127.0.0.1:8480';

/** First run beyond loopback: make the first account, asking on a terminal. */
async function ensureAccount(io: CommandIo): Promise<string[]> {
  const accounts = accountStore();
  if (accounts.hasAccounts()) return accounts.names();
  const stdin = io.stdin as NodeJS.ReadStream;
  if (!stdin.isTTY) {
    throw new UsageError('serve: serving beyond loopback needs a login account and there is none yet; create one with `vmdesk user add NAME`');
  }
  io.stderr.write('vmdesk: no login account yet; create the first one.\n');
  const { readLine } = await import('../password-prompt');
  io.stderr.write('User name [admin]: ');
  const name = ((await readLine(io)) ?? '').trim() || 'admin';
  const password = await promptHidden(io, `Password for ${name}: `);
  if (!password || (await promptHidden(io, 'Again: ')) !== password) throw new UsageError('serve: no account made (the passwords were empty or differ)');
  await accounts.set(name, password);
  return accounts.names();
}

export const serveCommand = defineCommand({
  name: ['serve'],
  summary: 'run a host headless and serve the web UI and API',
  usage: '[--listen HOST:PORT] [--datastore NAME=PATH]… [--require-login] [--cpu-capacity CORES]',
  options: {
    listen: { kind: 'string', value: 'HOST:PORT', description: `address to listen on (default ${DEFAULT_LISTEN}; port 0 picks a free one)` },
    datastore: { kind: 'strings', value: 'NAME=PATH', description: 'a directory to offer as a datastore (default: datastore1 in the vmdesk home)' },
    'require-login': { kind: 'boolean', description: 'ask for a login over TLS even on loopback (always so on other addresses)' },
    'cpu-capacity': { kind: 'string', value: 'CORES', description: 'CPU the VMs may use in all: cores (1.5), MHz, GHz or % of a core (default: every core; also VMDESK_CPU_CAPACITY)' },
  },
  details: [
    'The URL is printed once the server listens. Ctrl-C stops the host.',
    'Beyond loopback the host needs an account (`vmdesk user add NAME`, or asked on first run)',
    'and serves HTTPS with a self-signed certificate whose SHA-256 fingerprint is printed.',
  ].join('\n'),
  async run({ options, positionals }, io) {
    if (positionals.length > 0) throw new UsageError(`serve: unexpected argument "${positionals[0]}"`);
    const listen = parseListen(options.listen ?? DEFAULT_LISTEN, 'serve');
    const secure = options['require-login'] || !isLoopback(listen.host);
    let auth: AuthGate | undefined;
    let tls: ReturnType<typeof loadOrCreateCertificate> | undefined;
    let users: string[] = [];
    const { host, handlers, stop } = startEmbeddedHost(options.datastore, options['cpu-capacity'] ? { cpuCapacity: options['cpu-capacity'] } : {});
    let server;
    try {
      if (secure) {
        users = await ensureAccount(io);
        tls = loadOrCreateCertificate(path.join(vmdeskHome(), 'tls'), host.name, listen.host);
        auth = new AuthGate(accountStore(), host.name);
      }
      server = await startWebServer({
        ...listen,
        rendererDir: path.join(appRoot(), 'dist', 'renderer'),
        handlers,
        events: host.onEvent,
        // The screens of VMs booted through the BIOS, for the noVNC console window.
        displays: { displayOf: (id) => host.vms.displayOf(id), onDisplayGone: host.vms.onDisplayGone },
        ...(tls ? { tls } : {}),
        ...(auth ? { auth } : {}),
      });
    } catch (err) {
      await stop();
      throw err;
    }
    // One write: whoever waits for the URL line gets the certificate's fingerprint with it.
    const lines = [`vmdesk: host ${host.name} serving at ${server.url}`];
    if (tls) {
      lines.push(`vmdesk: TLS certificate ${tls.created ? '(new) ' : ''}${tls.certFile}`);
      lines.push(`vmdesk: SHA-256 fingerprint ${tls.fingerprint256}`);
      lines.push(`vmdesk: login required (accounts: ${users.join(', ')})`);
    }
    io.stdout.write(lines.join('\n') + '\n');
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    await stop();
    return 0;
  },
});
