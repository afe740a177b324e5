// converter.convert: the host converts a source it can read onto one of its datastores, as a
// task with progress, and registers the result. A failed conversion leaves no folder behind
// (the converter stages it); a failed registration removes the new folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VmConvertSpec, VmInfo } from '../api';
import { UsageError } from '../common';
import { convertToVm, hotCloneToVm, isAgentSource } from '../converter';
import type { HostAgent } from '../vmkernel';

export async function convertOnHost(host: HostAgent, p: VmConvertSpec): Promise<VmInfo> {
  const agent = typeof p.source === 'string' && isAgentSource(p.source);
  if (typeof p.source !== 'string' || (!agent && !path.isAbsolute(p.source))) throw new UsageError('api: converter.convert needs source, an absolute path on the host or agent://HOST:PORT');
  if (agent && (typeof p.token !== 'string' || p.token === '')) throw new UsageError('api: converter.convert needs the agent\'s token for an agent:// source');
  if (typeof p.name !== 'string' || typeof p.datastore !== 'string') throw new UsageError('api: converter.convert needs name and datastore');
  if (p.diskType !== undefined && p.diskType !== 'thin' && p.diskType !== 'thick') throw new UsageError('api: converter.convert diskType is thin or thick');
  const ds = host.datastores.find((d) => d.name === p.datastore);
  if (!ds) throw new UsageError(`api: converter.convert: this host has no datastore "${p.datastore}"`);
  const to = path.join(ds.path, p.name);
  const result = await host.tasks.run(
    'Convert virtual machine',
    p.name,
    (task) => {
      const o = {
        to,
        ...(p.memoryMB !== undefined ? { memoryMB: p.memoryMB } : {}),
        ...(p.cpus !== undefined ? { cpus: p.cpus } : {}),
        diskType: p.diskType ?? 'thin',
        progress: (x: { percent: number }) => task.progress(x.percent),
      };
      return agent ? hotCloneToVm(p.source, { ...o, token: p.token! }) : convertToVm(p.source, o);
    },
    { describe: (r) => (r as { vmxFile: string }).vmxFile },
  );
  try {
    return await host.vms.register(`[${ds.name}] ${p.name}/${path.basename(result.vmxFile)}`);
  } catch (err) {
    fs.rmSync(result.folder, { recursive: true, force: true });
    throw err;
  }
}
