// QEMU's firmware configuration device (docs/specs/fw_cfg.rst) on the x86 I/O ports: a
// 16-bit selector at base+0, an 8-bit data port at base+1 and the DMA address register at
// base+4..base+11 (big-endian 64-bit, written as two 32-bit halves; writing the low half
// starts the transfer). Items are byte strings keyed by selector; named files get keys
// from FW_CFG_FILE_FIRST and appear in the big-endian FW_CFG_FILE_DIR. A bad guest DMA
// request sets the ERROR bit in its control word; it never throws out of the device.
import type { AccessSize, PortDevice } from '../../bus';
import { VmdeskError } from '../../common';
import type { GuestMemory } from '../../memory';
import { checkState, stateNumber } from '../types';
import {
  FW_CFG_DMA_ERROR,
  FW_CFG_DMA_READ,
  FW_CFG_DMA_SELECT,
  FW_CFG_DMA_SIGNATURE,
  FW_CFG_DMA_SKIP,
  FW_CFG_DMA_WRITE,
  FW_CFG_FEATURE_DMA,
  FW_CFG_FEATURE_TRADITIONAL,
  FW_CFG_FILE_DIR,
  FW_CFG_FILE_FIRST,
  FW_CFG_ID,
  FW_CFG_MAX_FILE_NAME,
  FW_CFG_SIGNATURE,
  FW_CFG_WRITE_CHANNEL,
} from './keys';

export class FwCfgError extends VmdeskError {
  constructor(message: string) {
    super('fw-cfg', message);
  }
}

export interface FwCfgItemOptions {
  /** The guest may write the item through DMA (QEMU: fw_cfg_add_file_callback with a write callback). */
  writable?: boolean;
  /** Called after a guest DMA write changed bytes [offset, offset+length) of the item. */
  onWrite?: (data: Uint8Array, offset: number, length: number) => void;
}

interface Item extends FwCfgItemOptions {
  data: Uint8Array;
  name?: string;
}

export interface FwCfgOptions {
  /** Guest RAM, for the DMA interface. */
  memory: GuestMemory;
  /** Offer the DMA interface (FW_CFG_ID bit 1); default true. */
  dma?: boolean;
}

export const FW_CFG_STATE_VERSION = 1;
export interface FwCfgState {
  version: typeof FW_CFG_STATE_VERSION;
  selector: number;
  offset: number;
  dmaHigh: number;
  dmaLow: number;
  /** Contents of guest-writable items, keyed by selector, as byte arrays. */
  writable: Record<string, number[]>;
}

const SIG = Array.from(FW_CFG_DMA_SIGNATURE, (c) => c.charCodeAt(0));
const EMPTY = new Uint8Array(0);

export class FwCfg implements PortDevice {
  private readonly items = new Map<number, Item>();
  private readonly files: { name: string; key: number }[] = [];
  private selector = 0;
  private current: Item | undefined;
  private offset = 0;
  /** The DMA address register as 8 bytes, most significant first. */
  private readonly dmaReg = new Uint8Array(8);
  private readonly memory: GuestMemory;
  readonly dmaEnabled: boolean;

  constructor(options: FwCfgOptions) {
    this.memory = options.memory;
    this.dmaEnabled = options.dma ?? true;
    this.addItem(FW_CFG_SIGNATURE, Uint8Array.from('QEMU', (c) => c.charCodeAt(0)));
    const id = FW_CFG_FEATURE_TRADITIONAL | (this.dmaEnabled ? FW_CFG_FEATURE_DMA : 0);
    this.addItem(FW_CFG_ID, Uint8Array.of(id, 0, 0, 0));
    this.rebuildDirectory();
    this.select(0);
  }

  /** Set (or replace) the item at selector `key`. */
  addItem(key: number, data: Uint8Array, options: FwCfgItemOptions = {}): void {
    if (!Number.isInteger(key) || key < 0 || key > 0xffff || key & FW_CFG_WRITE_CHANNEL) {
      throw new FwCfgError(`fw-cfg: selector ${key} is not a 16-bit key without the write-channel bit`);
    }
    const held = this.items.get(key);
    if (held?.name !== undefined) throw new FwCfgError(`fw-cfg: selector 0x${key.toString(16)} belongs to file ${held.name}`);
    this.items.set(key, { data, ...options });
    if (this.selector === key) this.current = this.items.get(key);
  }

  /** Add a named file; returns its selector. Names are unique and at most 55 characters. */
  addFile(name: string, data: Uint8Array, options: FwCfgItemOptions = {}): number {
    if (name.length === 0 || name.length >= FW_CFG_MAX_FILE_NAME || /[^\x20-\x7e]/.test(name)) {
      throw new FwCfgError(`fw-cfg: file name "${name}" must be 1–55 printable ASCII characters`);
    }
    if (this.files.some((f) => f.name === name)) throw new FwCfgError(`fw-cfg: file ${name} is already present`);
    const key = FW_CFG_FILE_FIRST + this.files.length;
    if (key >= FW_CFG_WRITE_CHANNEL) throw new FwCfgError('fw-cfg: too many files');
    this.items.set(key, { data, name, ...options });
    this.files.push({ name, key });
    this.rebuildDirectory();
    return key;
  }

  /** Replace the contents of a file added before (e.g. tables rebuilt after a reset). */
  setFile(name: string, data: Uint8Array): void {
    const f = this.files.find((x) => x.name === name);
    if (!f) throw new FwCfgError(`fw-cfg: no file ${name}`);
    this.items.get(f.key)!.data = data;
    this.rebuildDirectory();
  }

  /** Selector of a file, if present. */
  fileKey(name: string): number | undefined {
    return this.files.find((f) => f.name === name)?.key;
  }

  /** Current contents of the item at `key` (for tests and the builder). */
  item(key: number): Uint8Array | undefined {
    return this.items.get(key)?.data;
  }

  /** FW_CFG_FILE_DIR: be32 count, then { be32 size; be16 select; be16 reserved; char name[56] } sorted by name. */
  private rebuildDirectory(): void {
    const sorted = [...this.files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const dir = new Uint8Array(4 + 64 * sorted.length);
    const dv = new DataView(dir.buffer);
    dv.setUint32(0, sorted.length, false);
    sorted.forEach((f, i) => {
      const at = 4 + 64 * i;
      dv.setUint32(at, this.items.get(f.key)!.data.length, false);
      dv.setUint16(at + 4, f.key, false);
      for (let c = 0; c < f.name.length; c++) dir[at + 8 + c] = f.name.charCodeAt(c);
    });
    this.items.set(FW_CFG_FILE_DIR, { data: dir });
    if (this.selector === FW_CFG_FILE_DIR) this.current = this.items.get(FW_CFG_FILE_DIR);
  }

  private select(key: number): void {
    this.selector = key & 0xffff;
    // The write-channel bit does not take part in addressing (fw_cfg.rst, "Selector Register").
    this.current = this.items.get(this.selector & ~FW_CFG_WRITE_CHANNEL);
    this.offset = 0;
  }

  private readData(): number {
    const item = this.current;
    if (!item || this.offset >= item.data.length) return 0;
    return item.data[this.offset++]!;
  }

  readPort(offset: number, size: AccessSize): number {
    if (offset === 1 || (offset === 0 && size === 1)) {
      if (offset === 0) return 0;
      let v = 0;
      for (let i = 0; i < size; i++) v |= this.readData() << (8 * i);
      return v >>> 0;
    }
    if (offset === 0) return this.selector;
    if (offset >= 4 && offset < 12) {
      if (!this.dmaEnabled) return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
      let v = 0;
      for (let i = 0; i < size && offset + i < 12; i++) v |= SIG[offset - 4 + i]! << (8 * i);
      return v >>> 0;
    }
    return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  }

  writePort(offset: number, size: AccessSize, value: number): void {
    if (offset === 0 && size >= 2) {
      this.select(value & 0xffff);
      return;
    }
    // Data-port writes have been ignored since QEMU 2.4; writes go through DMA.
    if (offset < 4 || offset >= 12 || !this.dmaEnabled) return;
    let touchedLast = false;
    for (let i = 0; i < size && offset + i < 12; i++) {
      this.dmaReg[offset - 4 + i] = (value >>> (8 * i)) & 0xff;
      if (offset + i === 11) touchedLast = true;
    }
    if (touchedLast) {
      const hi = ((this.dmaReg[0]! << 24) | (this.dmaReg[1]! << 16) | (this.dmaReg[2]! << 8) | this.dmaReg[3]!) >>> 0;
      const lo = ((this.dmaReg[4]! << 24) | (this.dmaReg[5]! << 16) | (this.dmaReg[6]! << 8) | this.dmaReg[7]!) >>> 0;
      this.dmaReg.fill(0);
      this.runDma(hi, lo);
    }
  }

  /** Process one FWCfgDmaAccess { be32 control; be32 length; be64 address } at guest `hi:lo`. */
  private runDma(hi: number, lo: number): void {
    const mem = this.memory;
    if (hi !== 0 || !mem.contains(lo, 16)) return; // nowhere to report the error
    const dv = mem.view;
    const control = dv.getUint32(lo, false);
    const length = dv.getUint32(lo + 4, false);
    const addrHi = dv.getUint32(lo + 8, false);
    const addr = dv.getUint32(lo + 12, false);
    if (control & FW_CFG_DMA_SELECT) this.select(control >>> 16);
    let ok = true;
    const item = this.current;
    const data = item?.data ?? EMPTY;
    if (control & FW_CFG_DMA_READ) {
      if (addrHi !== 0 || !mem.contains(addr, length)) ok = false;
      else {
        // Bytes past the end of the item read as zero (fw_cfg.rst, "DMA interface").
        const avail = Math.max(0, Math.min(length, data.length - this.offset));
        if (avail > 0) mem.u8.set(data.subarray(this.offset, this.offset + avail), addr);
        if (avail < length) mem.u8.fill(0, addr + avail, addr + length);
        if (length > 0) mem.markDirty(addr, length);
        this.offset = Math.min(data.length, this.offset + length);
      }
    } else if (control & FW_CFG_DMA_WRITE) {
      if (!item?.writable || addrHi !== 0 || !mem.contains(addr, length) || this.offset + length > data.length) ok = false;
      else {
        data.set(mem.u8.subarray(addr, addr + length), this.offset);
        const at = this.offset;
        this.offset += length;
        item.onWrite?.(data, at, length);
      }
    } else if (control & FW_CFG_DMA_SKIP) {
      this.offset = Math.min(data.length, this.offset + length);
    }
    dv.setUint32(lo, ok ? 0 : FW_CFG_DMA_ERROR, false);
    mem.markDirty(lo, 4);
  }

  /** Machine reset: selector 0, no DMA address half written. Items stay. */
  reset(): void {
    this.dmaReg.fill(0);
    this.select(0);
  }

  save(): FwCfgState {
    const writable: Record<string, number[]> = {};
    for (const [key, item] of this.items) if (item.writable) writable[String(key)] = Array.from(item.data);
    const hi = (this.dmaReg[0]! << 24) | (this.dmaReg[1]! << 16) | (this.dmaReg[2]! << 8) | this.dmaReg[3]!;
    const lo = (this.dmaReg[4]! << 24) | (this.dmaReg[5]! << 16) | (this.dmaReg[6]! << 8) | this.dmaReg[7]!;
    return { version: FW_CFG_STATE_VERSION, selector: this.selector, offset: this.offset, dmaHigh: hi >>> 0, dmaLow: lo >>> 0, writable };
  }

  restore(state: FwCfgState): void {
    checkState('fw-cfg', state, FW_CFG_STATE_VERSION);
    const selector = stateNumber('fw-cfg', state, 'selector');
    const offset = stateNumber('fw-cfg', state, 'offset');
    const hi = stateNumber('fw-cfg', state, 'dmaHigh');
    const lo = stateNumber('fw-cfg', state, 'dmaLow');
    for (const [key, bytes] of Object.entries(state.writable ?? {})) {
      const item = this.items.get(Number(key));
      if (item?.writable && Array.isArray(bytes) && bytes.length === item.data.length) item.data.set(bytes.map((b) => Number(b) & 0xff));
    }
    this.select(selector);
    this.offset = Math.max(0, Math.min(offset, this.current?.data.length ?? 0));
    for (let i = 0; i < 4; i++) {
      this.dmaReg[i] = (hi >>> (24 - 8 * i)) & 0xff;
      this.dmaReg[4 + i] = (lo >>> (24 - 8 * i)) & 0xff;
    }
  }
}
