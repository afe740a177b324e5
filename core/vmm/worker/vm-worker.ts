// Worker entry of one VM: builds the PC over the host's shared RAM and runs it on
// commands from the host (protocol.ts). A failure here ends only this VM.
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage, workerPayload } from '../../common';
import { GuestMemory } from '../../memory';
import { VmConsole } from '../console';
import { PcMachine } from '../machine/pc-machine';
import type { VmCommand, VmEvent, VmWorkerInit } from './protocol';
import { VmRunLoop } from './run-loop';

const init = workerPayload<VmWorkerInit>(workerData);
const port = parentPort!;
const post = (event: VmEvent): void => port.postMessage(event);

try {
  const memory = new GuestMemory({ ram: init.ram, dirty: init.dirty });
  const machine = new PcMachine(init.spec, memory);
  const console = init.frame ? new VmConsole(init.frame, machine.i8042, machine.display) : undefined;
  const loop = new VmRunLoop(machine, {
    post,
    doorbell: new Int32Array(init.doorbell),
    cpuControl: new Int32Array(init.cpuControl),
    ...(console ? { console } : {}),
  });
  port.on('message', (command: VmCommand) => {
    try {
      loop.handle(command);
    } catch (err) {
      post({ type: 'exit', reason: { kind: 'error', message: errorMessage(err) } });
    }
  });
  post({ type: 'state', state: 'created' });
} catch (err) {
  post({ type: 'exit', reason: { kind: 'error', message: errorMessage(err) } });
}
