// `vmdesk serve`: a headless host agent with the web UI and the API on one port.
import path from 'node:path';
import { UsageError, appRoot } from '../../common';
import { startWebServer } from '../../server';
import { defineCommand } from '../command';
import { startEmbeddedHost } from '../embedded-host';
import { isLoopback, parseListen } from '../listen-address';

export const DEFAULT_LISTEN = '127.0.0.1:8480';

export const serveCommand = defineCommand({
  name: ['serve'],
  summary: 'run a host headless and serve the web UI and API',
  usage: '[--listen HOST:PORT] [--datastore NAME=PATH]…',
  options: {
    listen: { kind: 'string', value: 'HOST:PORT', description: `address to listen on (default ${DEFAULT_LISTEN}; port 0 picks a free one)` },
    datastore: { kind: 'strings', value: 'NAME=PATH', description: 'a directory to offer as a datastore (default: datastore1 in the vmdesk home)' },
  },
  details: 'The URL is printed once the server listens. Ctrl-C stops the host.',
  async run({ options, positionals }, io) {
    if (positionals.length > 0) throw new UsageError(`serve: unexpected argument "${positionals[0]}"`);
    const listen = parseListen(options.listen ?? DEFAULT_LISTEN, 'serve');
    if (!isLoopback(listen.host)) {
      throw new UsageError(`serve: ${listen.host} is not a loopback address; serving beyond this machine needs login and TLS, which this build does not have yet`);
    }
    const { host, handlers } = startEmbeddedHost(options.datastore);
    let server;
    try {
      server = await startWebServer({ ...listen, rendererDir: path.join(appRoot(), 'dist', 'renderer'), handlers, events: host.onEvent });
    } catch (err) {
      host.dispose();
      throw err;
    }
    io.stdout.write(`vmdesk: host ${host.name} serving at ${server.url}\n`);
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
    host.dispose();
    return 0;
  },
});
