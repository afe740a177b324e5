// The i8042 keyboard controller of the PC/AT and PS/2: data port (0x60) and status/command
// port (0x64), the command byte (interrupt enables, port disables, system flag, set 2 → 1
// translation), self-tests, the output port (A20 gate, system reset line) and the
// keyboard/aux output buffer that raises IRQ 1 or IRQ 12. The reset and A20 lines are
// handed in; the controller never knows what resets the machine.
// Reference: IBM PS/2 Hardware Interface Technical Reference, "Keyboard/Auxiliary Device Controller".
import type { AccessSize, IrqLine, PortDevice } from '../../bus';
import { unconnectedIrq } from '../../bus';
import { type A20Gate, checkState, DeviceStateError, readBytewise, stateNumber, writeBytewise } from '../types';
import { Ps2Keyboard } from './ps2-keyboard';
import { Ps2Mouse } from './ps2-mouse';
import { I8042_STATE_VERSION, type I8042State } from './state';
import { Set2To1Translator } from './translate';

export interface I8042Options {
  irq1?: IrqLine;
  irq12?: IrqLine;
  a20: A20Gate;
  /** The system reset line was pulsed (command 0xFE, or output port bit 0 written 0). */
  onReset: () => void;
}

const STATUS_OBF = 0x01;
const STATUS_SYS = 0x04;
const STATUS_CMD = 0x08;
const STATUS_UNLOCKED = 0x10;
const STATUS_AUX = 0x20;

const CB_KBD_INT = 0x01;
const CB_AUX_INT = 0x02;
const CB_SYS = 0x04;
const CB_KBD_DISABLE = 0x10;
const CB_AUX_DISABLE = 0x20;
const CB_TRANSLATE = 0x40;

export class I8042 {
  readonly keyboard = new Ps2Keyboard();
  readonly mouse = new Ps2Mouse();
  /** Port 0x60. */
  readonly dataPort: PortDevice;
  /** Port 0x64. */
  readonly commandPort: PortDevice;

  private readonly irq1: IrqLine;
  private readonly irq12: IrqLine;
  private readonly a20: A20Gate;
  private readonly onReset: () => void;
  /** Controller RAM; byte 0 is the command byte. */
  private readonly ram = new Uint8Array(32);
  private status = STATUS_UNLOCKED;
  private outputBuffer = 0;
  private outputFull = false;
  private outputFromAux = false;
  /** A controller command waiting for its data byte on port 0x60. */
  private pendingCommand = 0;
  private controllerQueue: { byte: number; aux: boolean }[] = [];
  private readonly translator = new Set2To1Translator();
  private irq1Level = false;
  private irq12Level = false;

  constructor(options: I8042Options) {
    this.irq1 = options.irq1 ?? unconnectedIrq;
    this.irq12 = options.irq12 ?? unconnectedIrq;
    this.a20 = options.a20;
    this.onReset = options.onReset;
    // As a BIOS leaves it: keyboard interrupt on, system flag, translation on.
    this.ram[0] = CB_KBD_INT | CB_SYS | CB_TRANSLATE;
    this.status |= STATUS_SYS;
    this.keyboard.onOutput = () => this.refill();
    this.mouse.onOutput = () => this.refill();
    this.dataPort = {
      readPort: (o: number, size: AccessSize) => readBytewise(o, size, (b) => (b === 0 ? this.readData() : 0xff)),
      writePort: (o: number, size: AccessSize, v: number) => writeBytewise(o, size, v, (b, x) => b === 0 && this.writeData(x)),
    };
    this.commandPort = {
      readPort: (o: number, size: AccessSize) => readBytewise(o, size, (b) => (b === 0 ? this.readStatus() : 0xff)),
      writePort: (o: number, size: AccessSize, v: number) => writeBytewise(o, size, v, (b, x) => b === 0 && this.writeCommand(x)),
    };
  }

  get commandByte(): number {
    return this.ram[0]!;
  }

  private readStatus(): number {
    return this.status | (this.outputFull ? STATUS_OBF : 0) | (this.outputFull && this.outputFromAux ? STATUS_AUX : 0);
  }

  private readData(): number {
    const v = this.outputBuffer;
    this.outputFull = false;
    this.outputFromAux = false;
    // Reading the buffer clears OBF, which drops IRQ 1/12 before the next queued byte is
    // loaded: ISA interrupts are edge-triggered (8259 and I/O APIC), so a line left high from
    // one byte to the next would deliver the first byte only. (Linux's atkbd then loses the
    // ID after an ACK, fails its probe and rescans the port for ever.)
    this.updateIrqs();
    this.refill();
    return v;
  }

  private writeData(v: number): void {
    this.status &= ~STATUS_CMD;
    const cmd = this.pendingCommand;
    this.pendingCommand = 0;
    if (cmd >= 0x60 && cmd <= 0x7f) {
      this.ram[cmd - 0x60] = v;
      if (cmd === 0x60) {
        if (v & CB_SYS) this.status |= STATUS_SYS;
        else this.status &= ~STATUS_SYS;
      }
      this.refill();
      return;
    }
    switch (cmd) {
      case 0xd1:
        this.writeOutputPort(v);
        return;
      case 0xd2:
        this.queueController(v, false);
        return;
      case 0xd3:
        this.queueController(v, true);
        return;
      case 0xd4:
        this.mouse.receive(v);
        return;
      default:
        this.keyboard.receive(v);
    }
  }

  private writeCommand(c: number): void {
    this.status |= STATUS_CMD;
    this.pendingCommand = 0;
    if (c >= 0x20 && c <= 0x3f) {
      this.queueController(this.ram[c - 0x20]!, false);
      return;
    }
    if ((c >= 0x60 && c <= 0x7f) || c === 0xd1 || c === 0xd2 || c === 0xd3 || c === 0xd4) {
      this.pendingCommand = c;
      return;
    }
    if (c >= 0xf0) {
      // Pulse output port bits whose mask bit is 0; bit 0 is the CPU reset line.
      if (!(c & 1)) this.onReset();
      return;
    }
    switch (c) {
      case 0xa4:
        this.queueController(0xf1, false); // no password installed
        break;
      case 0xa7:
        this.ram[0]! |= CB_AUX_DISABLE;
        break;
      case 0xa8:
        this.ram[0]! &= ~CB_AUX_DISABLE;
        this.refill();
        break;
      case 0xa9:
        this.queueController(0x00, false); // aux interface test: no error
        break;
      case 0xaa:
        this.status |= STATUS_SYS;
        this.queueController(0x55, false); // self-test passed
        break;
      case 0xab:
        this.queueController(0x00, false);
        break;
      case 0xad:
        this.ram[0]! |= CB_KBD_DISABLE;
        break;
      case 0xae:
        this.ram[0]! &= ~CB_KBD_DISABLE;
        this.refill();
        break;
      case 0xc0:
        this.queueController(0x80, false); // input port: keyboard not inhibited
        break;
      case 0xd0:
        this.queueController(this.outputPort(), false);
        break;
      case 0xdd:
        this.a20.setEnabled(false);
        break;
      case 0xdf:
        this.a20.setEnabled(true);
        break;
      case 0xe0:
        this.queueController(0x00, false);
        break;
      default:
        break; // unknown commands are ignored, as real controllers do
    }
  }

  /** Output port: bit 0 reset (1 = running), bit 1 A20, bit 4 IRQ1 (OBF), bit 5 IRQ12. */
  private outputPort(): number {
    return 0x01 | (this.a20.enabled ? 0x02 : 0) | (this.irq1Level ? 0x10 : 0) | (this.irq12Level ? 0x20 : 0) | 0xc0;
  }

  private writeOutputPort(v: number): void {
    this.a20.setEnabled((v & 0x02) !== 0);
    if (!(v & 0x01)) this.onReset();
  }

  private queueController(byte: number, aux: boolean): void {
    this.controllerQueue.push({ byte: byte & 0xff, aux });
    this.refill();
  }

  /** Load the output buffer from the controller, then the keyboard, then the mouse. */
  private refill(): void {
    const cb = this.ram[0]!;
    while (!this.outputFull) {
      const own = this.controllerQueue.shift();
      if (own) {
        this.load(own.byte, own.aux);
        break;
      }
      if (!(cb & CB_KBD_DISABLE) && this.keyboard.queue.length > 0) {
        const raw = this.keyboard.queue.shift()!;
        if (cb & CB_TRANSLATE) {
          const t = this.translator.translate(raw);
          if (t < 0) continue; // F0 prefix folded into the next byte
          this.load(t, false);
        } else {
          this.load(raw, false);
        }
        break;
      }
      if (!(cb & CB_AUX_DISABLE) && this.mouse.queue.length > 0) {
        this.load(this.mouse.queue.shift()!, true);
        break;
      }
      break;
    }
    this.updateIrqs();
  }

  private load(byte: number, aux: boolean): void {
    this.outputBuffer = byte;
    this.outputFull = true;
    this.outputFromAux = aux;
  }

  private updateIrqs(): void {
    const cb = this.ram[0]!;
    const kbd = this.outputFull && !this.outputFromAux && (cb & CB_KBD_INT) !== 0;
    const aux = this.outputFull && this.outputFromAux && (cb & CB_AUX_INT) !== 0;
    if (kbd !== this.irq1Level) {
      this.irq1Level = kbd;
      this.irq1.setLevel(kbd);
    }
    if (aux !== this.irq12Level) {
      this.irq12Level = aux;
      this.irq12.setLevel(aux);
    }
  }

  save(): I8042State {
    return {
      version: I8042_STATE_VERSION,
      ram: Array.from(this.ram),
      status: this.status,
      outputBuffer: this.outputBuffer,
      outputFull: this.outputFull,
      outputFromAux: this.outputFromAux,
      pendingCommand: this.pendingCommand,
      controllerQueue: this.controllerQueue.map((e) => ({ ...e })),
      translateBreak: this.translator.breakPending,
      keyboard: this.keyboard.save(),
      mouse: this.mouse.save(),
    };
  }

  restore(state: I8042State): void {
    checkState('i8042', state, I8042_STATE_VERSION);
    if (!Array.isArray(state.ram) || state.ram.length !== 32) throw new DeviceStateError('i8042: saved state needs 32 RAM bytes');
    if (!state.keyboard || !state.mouse) throw new DeviceStateError('i8042: saved state lacks the keyboard or mouse');
    this.ram.set(state.ram.map((b) => Number(b) & 0xff));
    this.status = (stateNumber('i8042', state, 'status') & (STATUS_SYS | STATUS_CMD)) | STATUS_UNLOCKED;
    this.outputBuffer = stateNumber('i8042', state, 'outputBuffer') & 0xff;
    this.outputFull = !!state.outputFull;
    this.outputFromAux = !!state.outputFromAux;
    this.pendingCommand = stateNumber('i8042', state, 'pendingCommand') & 0xff;
    this.controllerQueue = Array.isArray(state.controllerQueue)
      ? state.controllerQueue.map((e) => ({ byte: Number(e.byte) & 0xff, aux: !!e.aux }))
      : [];
    this.translator.breakPending = !!state.translateBreak;
    this.keyboard.restore(state.keyboard);
    this.mouse.restore(state.mouse);
    this.irq1Level = this.irq12Level = false;
    this.refill();
  }
}
