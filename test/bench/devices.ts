// Device-side costs the run loop pays: the interrupt check at instruction boundaries, port
// reads of the timers, UART output, and virtual-clock timers. Prints figures; no thresholds.
// Run: npx tsx test/bench/devices.ts
import { ManualClock, PortBus } from '../../core/bus';
import { AcpiPm, LocalApic, PicPair, Pit8254, Uart16550 } from '../../core/devices';
import { HostVirtualClock } from '../../core/vmm/clock';

function bench(name: string, iterations: number, body: () => void): void {
  for (let i = 0; i < Math.min(iterations, 100_000); i++) body(); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) body();
  const ns = Number(process.hrtime.bigint() - t0) / iterations;
  console.log(`${name.padEnd(44)} ${ns.toFixed(1).padStart(8)} ns/op`);
}

const clock = new ManualClock();
const pic = new PicPair();
const lapic = new LocalApic({ clock, extInt: pic });
lapic.writeMmio(0xf0, 4, 0x1ff);
const ports = new PortBus();
const pit = new Pit8254({ clock, irq0: pic.irq(0) });
const pm = new AcpiPm({ clock, onPowerOff: () => {} });
let sink = 0;
const uart = new Uart16550({ clock, backend: { write: (b) => void (sink += b) } });
ports.register('pit', 0x40, 4, pit);
ports.register('pm-tmr', 0x608, 4, pm.timerBlock);
ports.register('com1', 0x3f8, 8, uart);
pit.writePort(3, 1, 0x34);
pit.writePort(0, 1, 0x9c);
pit.writePort(0, 1, 0x2e);

let any = false;
bench('PicPair.hasInterrupt (nothing pending)', 5_000_000, () => void (any = pic.hasInterrupt() || any));
bench('LocalApic.hasInterrupt (nothing pending)', 5_000_000, () => void (any = lapic.hasInterrupt() || any));
bench('PIT latch + 2 byte reads via PortBus', 1_000_000, () => {
  ports.write(0x43, 1, 0);
  sink += ports.read(0x40, 1) + ports.read(0x40, 1);
});
bench('PM timer dword read via PortBus', 2_000_000, () => void (sink += ports.read(0x608, 4)));
bench('UART THR write to backend', 2_000_000, () => ports.write(0x3f8, 1, 0x41));
bench('PIT mode 2 period fire (ManualClock)', 200_000, () => clock.advance(838));

const host = new HostVirtualClock();
host.resume();
bench('HostVirtualClock.now', 2_000_000, () => void (sink += host.now()));
bench('HostVirtualClock schedule + runDue (due)', 500_000, () => {
  host.schedule(0, () => {});
  host.runDue();
});
console.log(any ? '' : `(checksum ${sink % 1000})`);
