// What the `vmdesk vm …` commands share: the connection options, finding a VM by name,
// and running one call against the chosen host.
import type { ApiClient, VmInfo } from '../../api';
import { UsageError, VmdeskError } from '../../common';
import { CONNECT_OPTIONS, connectApi, unwrap, type ApiConnection } from '../api-connection';
import type { CommandIo } from '../command';

export { CONNECT_OPTIONS, unwrap };

export async function withHost<T>(
  options: { server?: string; user?: string; fingerprint?: string },
  io: CommandIo,
  work: (client: ApiClient, connection: ApiConnection) => Promise<T>,
): Promise<T> {
  const connection = await connectApi(options, io);
  try {
    return await work(connection.client, connection);
  } finally {
    await connection.close();
  }
}

/** The VM named `nameOrId` (its display name, or its id "vm-N"). */
export async function findVm(client: ApiClient, nameOrId: string): Promise<VmInfo> {
  const vms = unwrap(await client.call('vm.list', {}));
  const vm = vms.find((v) => v.id === nameOrId) ?? vms.find((v) => v.name.toLowerCase() === nameOrId.toLowerCase());
  if (!vm) throw new VmdeskError('not-found', `vm: no virtual machine named "${nameOrId}" on this host (\`vmdesk vm list\` shows them)`);
  return vm;
}

export function onePositional(positionals: string[], command: string, what = 'NAME'): string {
  if (positionals.length !== 1) throw new UsageError(`${command}: give one ${what}${positionals.length > 1 ? ` (unexpected "${positionals[1]}")` : ''}`);
  return positionals[0]!;
}
