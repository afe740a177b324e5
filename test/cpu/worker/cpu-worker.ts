// Worker entry for the CPU-in-a-worker test: builds a Cpu over the guest RAM the main
// thread shares (SharedArrayBuffer), runs it in slices and reports each stop.
import { parentPort, workerData } from 'node:worker_threads';
import { MmioBus, PortBus } from '../../../core/bus';
import { Cpu } from '../../../core/cpu';
import { GuestMemory, type GuestMemoryState } from '../../../core/memory';

const { memory: state, eip, esp } = workerData as { memory: GuestMemoryState; eip: number; esp: number; entry: string };
const memory = new GuestMemory(state);
const cpu = new Cpu({ memory, ports: new PortBus(), mmio: new MmioBus() });
cpu.enterFlatProtectedMode({ eip, esp });
let slices = 0;
for (;;) {
  const reason = cpu.run(100_000);
  slices++;
  if (reason !== 'budget') {
    parentPort!.postMessage({ reason, slices, eax: cpu.getRegister('eax'), instructions: cpu.instructionCount });
    break;
  }
}
