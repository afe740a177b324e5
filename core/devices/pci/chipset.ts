// The two chipset functions Linux's PCI probe looks for: an i440FX-style host bridge at
// 00:00.0 (8086:1237, class 06 00 00) and a PIIX3-style PCI-to-ISA bridge at 00:01.0
// (8086:7000, class 06 01 00, multi-function). Their device-specific registers (PAM, SMRAM,
// PIRQ routing, top of memory) are kept as storage: they have no effect in this machine.
import { PciConfigSpace } from './config-space';
import { PciFunctionBase } from './pci-bus';

export class HostBridge440fx extends PciFunctionBase {
  constructor() {
    const config = new PciConfigSpace({ vendorId: 0x8086, deviceId: 0x1237, revision: 0x02, classCode: 0x060000 });
    config.set16(0x04, 0x0006); // memory space and bus master enabled
    config.set16(0x06, 0x0280); // fast back-to-back capable, medium DEVSEL
    config.writable(0x40, 0xff);
    super('i440fx', config);
  }
}

export class IsaBridgePiix3 extends PciFunctionBase {
  constructor() {
    const config = new PciConfigSpace({ vendorId: 0x8086, deviceId: 0x7000, revision: 0x00, classCode: 0x060100, headerType: 0x80 });
    config.set16(0x04, 0x0007);
    config.set16(0x06, 0x0200);
    config.writable(0x40, 0xff);
    // PIRQ[A–D] route control: routing disabled at reset (PIIX3 datasheet, PIRQRC).
    config.bytes.fill(0x80, 0x60, 0x64);
    config.bytes[0x69] = 0x02; // top of memory: 1 MiB
    super('piix3-isa', config);
  }
}
