// `vmdesk converter-agent --listen HOST:PORT --token T ROOT`: run on a Linux machine to be
// hot-cloned; streams ROOT's file tree to `vmdesk convert agent://HOST:PORT --token T`.
import { UsageError } from '../../common';
import { ConverterAgent, LIVE_ROOT_EXCLUDES } from '../../converter';
import { defineCommand } from '../command';
import { parseListen } from '../listen-address';

export const converterAgentCommand = defineCommand({
  name: ['converter-agent'],
  summary: 'serve this machine\'s file tree to `vmdesk convert agent://…` (hot clone)',
  usage: '--listen HOST:PORT --token T [--exclude DIR]… ROOT',
  options: {
    listen: { kind: 'string', value: 'HOST:PORT', description: 'address to listen on, e.g. 0.0.0.0:9443' },
    token: { kind: 'string', value: 'T', description: 'shared secret (at least 8 characters; or VMDESK_AGENT_TOKEN); the converter proves it with an HMAC, it never crosses the wire' },
    exclude: { kind: 'strings', value: 'DIR', description: `a folder under ROOT whose contents are not sent (default for ROOT "/": ${LIVE_ROOT_EXCLUDES.join(', ')})` },
  },
  details: 'The agent serves until stopped (Ctrl-C). File data is not encrypted: use it on a trusted network or through an SSH tunnel.',
  async run({ options, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('converter-agent: give one ROOT folder (/ for the whole machine)');
    if (!options.listen) throw new UsageError('converter-agent: --listen HOST:PORT is required');
    const token = options.token ?? process.env.VMDESK_AGENT_TOKEN;
    if (!token) throw new UsageError('converter-agent: --token T is required');
    const { host, port } = parseListen(options.listen, 'converter-agent');
    const agent = await ConverterAgent.start({
      root: positionals[0]!,
      token,
      host,
      port,
      ...(options.exclude.length ? { excludes: options.exclude } : {}),
      onLog: (l) => io.stderr.write(`converter-agent: ${l}\n`),
    });
    io.stdout.write(`converter-agent: serving ${positionals[0]} on ${host}:${agent.port}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await agent.close();
    return 0;
  },
});
