// Linear and physical memory access of the core: the software TLB (one entry per 4 KiB
// linear page, filled by the two-level page walk of SDM vol. 3 §4.3, PSE 4 MiB pages,
// WP, accessed/dirty bits, global pages), RAM vs MMIO dispatch, the A20 mask, segment
// limit/permission checks and instruction fetch. Faults are raised by throwing FAULT.
import type { MmioBus, PortBus } from '../bus';
import type { GuestMemory } from '../memory';
import { CR0_PG, CR0_WP, CR4_PGE, CR4_PSE, CS, EXC_GP, EXC_PF, EXC_SS, SS } from './constants';
import { FAULT } from './cpu-fault';
import { CpuRegisters } from './registers';

// TLB entry: physical page address in bits 12..31, permission bits below.
const T_VALID = 1;
const T_USER = 2; // user mode may read
const T_WSUP = 4; // supervisor may write (and the page is dirty)
const T_WUSER = 8; // user may write (and the page is dirty)
const T_RAM = 16; // backed by RAM below 2 GiB: fast path allowed
const T_GLOBAL = 32;
const TLB_LIST_MAX = 65536;

export class CpuMmu extends CpuRegisters {
  readonly mem: GuestMemory;
  readonly u8: Uint8Array;
  readonly view: DataView;
  readonly memSize: number;
  readonly ports: PortBus;
  readonly mmio: MmioBus;
  a20Mask = -1;

  /**
   * Run loop should return to its outer level (requestStop, IF changed, ...). Also set when
   * the code's translation may have changed (TLB flush, INVLPG, CPL, CS): the run loop then
   * stops following the fetch pointer from one instruction to the next.
   */
  attention = false;

  readonly tlb = new Int32Array(1 << 20);
  private readonly tlbList = new Int32Array(TLB_LIST_MAX);
  private tlbCount = 0;
  /** Permission bits a TLB entry needs for the fast path at the current CPL. */
  readNeed = T_VALID | T_RAM;
  writeNeed = T_VALID | T_RAM | T_WSUP;

  /** Pending fault (valid while FAULT is in flight). */
  faultVector = 0;
  faultCode = 0;
  faultHasCode = false;
  /** Instruction start, restored when an instruction faults. */
  startEip = 0;
  startEsp = 0;
  /** [0]: highest EIP a fetch may use (CS limit, or less to enforce the 15-byte rule). */
  readonly fetchLim = new Float64Array(1);
  /** False when CS is flat 4 GiB and no 15-byte check is armed: fetches skip the limit test. */
  fetchCheck = true;
  /** Per segment: 1 when reads and writes need no limit check (base 0, 4 GiB, writable data). */
  readonly segFlat = new Uint8Array(8);

  constructor(memory: GuestMemory, ports: PortBus, mmio: MmioBus) {
    super();
    this.mem = memory;
    this.u8 = memory.u8;
    this.view = memory.view;
    this.memSize = memory.size;
    this.ports = ports;
    this.mmio = mmio;
  }

  // ---- faults ----
  fault(vector: number, code: number, hasCode: boolean): never {
    this.faultVector = vector;
    this.faultCode = code;
    this.faultHasCode = hasCode;
    throw FAULT;
  }
  gp(code: number): never {
    return this.fault(EXC_GP, code, true);
  }
  ud(): never {
    return this.fault(6, 0, false);
  }

  setCpl(cpl: number): void {
    this.cpl = cpl;
    this.attention = true;
    this.readNeed = T_VALID | T_RAM | (cpl === 3 ? T_USER : 0);
    this.writeNeed = T_VALID | T_RAM | (cpl === 3 ? T_WUSER : T_WSUP);
  }

  // ---- TLB ----
  flushTlb(keepGlobal: boolean): void {
    this.attention = true;
    const list = this.tlbList;
    const tlb = this.tlb;
    if (this.tlbCount >= TLB_LIST_MAX) {
      tlb.fill(0);
      this.tlbCount = 0;
      return;
    }
    let kept = 0;
    for (let i = 0; i < this.tlbCount; i++) {
      const p = list[i]!;
      if (keepGlobal && tlb[p]! & T_GLOBAL) list[kept++] = p;
      else tlb[p] = 0;
    }
    this.tlbCount = kept;
  }
  invlpg(lin: number): void {
    this.attention = true;
    this.tlb[lin >>> 12] = 0;
  }

  /** Translate `lin` for an access; fills the TLB; raises #PF. Returns the physical address. */
  translate(lin: number, write: boolean, user: boolean): number {
    const page = lin >>> 12;
    const e = this.tlb[page]!;
    const need = T_VALID | (write ? (user ? T_WUSER : T_WSUP) : user ? T_USER : 0);
    if ((e & need) === need) return (e >>> 12) * 4096 + (lin & 0xfff);
    let physPage: number;
    let bits = T_VALID;
    if ((this.cr[0]! & CR0_PG) === 0) {
      physPage = (lin & this.a20Mask & ~0xfff) >>> 0;
      bits |= T_USER | (write ? T_WSUP | T_WUSER : 0);
    } else {
      const cr3 = this.cr[3]! & ~0xfff;
      const pdeAddr = ((cr3 + ((lin >>> 22) << 2)) & this.a20Mask) >>> 0;
      let pde = this.physR32(pdeAddr);
      const errBase = (write ? 2 : 0) | (user ? 4 : 0);
      if ((pde & 1) === 0) this.pageFault(lin, errBase);
      const wp = (this.cr[0]! & CR0_WP) !== 0;
      if (pde & 0x80 && this.cr[4]! & CR4_PSE) {
        const us = (pde & 4) !== 0;
        const rw = (pde & 2) !== 0;
        this.checkPage(lin, errBase, write, user, us, rw, wp);
        const want = pde | 0x20 | (write ? 0x40 : 0);
        if (want !== pde) this.physW32(pdeAddr, want);
        pde = want;
        physPage = ((pde & 0xffc00000) >>> 0) + (lin & 0x3ff000);
        if (us) bits |= T_USER;
        if (pde & 0x40) {
          if (rw || !wp) bits |= T_WSUP;
          if (us && rw) bits |= T_WUSER;
        }
        if (pde & 0x100 && this.cr[4]! & CR4_PGE) bits |= T_GLOBAL;
      } else {
        const pteAddr = (((pde & ~0xfff) + ((lin >>> 10) & 0xffc)) & this.a20Mask) >>> 0;
        let pte = this.physR32(pteAddr);
        if ((pte & 1) === 0) this.pageFault(lin, errBase);
        const us = (pde & pte & 4) !== 0;
        const rw = (pde & pte & 2) !== 0;
        this.checkPage(lin, errBase, write, user, us, rw, wp);
        if ((pde & 0x20) === 0) this.physW32(pdeAddr, pde | 0x20);
        const want = pte | 0x20 | (write ? 0x40 : 0);
        if (want !== pte) this.physW32(pteAddr, want);
        pte = want;
        physPage = (pte & ~0xfff) >>> 0;
        if (us) bits |= T_USER;
        if (pte & 0x40) {
          if (rw || !wp) bits |= T_WSUP;
          if (us && rw) bits |= T_WUSER;
        }
        if (pte & 0x100 && this.cr[4]! & CR4_PGE) bits |= T_GLOBAL;
      }
      physPage = (physPage & this.a20Mask) >>> 0;
    }
    if (physPage + 4096 <= this.memSize && physPage < 0x80000000 && this.mmio.find(physPage) === undefined) bits |= T_RAM;
    if (bits & (T_WSUP | T_WUSER)) this.mem.markDirty(physPage, 4096);
    if (this.tlb[page] === 0 && this.tlbCount < TLB_LIST_MAX) this.tlbList[this.tlbCount++] = page;
    else if (this.tlb[page] === 0) this.tlbCount = TLB_LIST_MAX;
    this.tlb[page] = (physPage | bits) | 0;
    return physPage + (lin & 0xfff);
  }
  private checkPage(lin: number, err: number, write: boolean, user: boolean, us: boolean, rw: boolean, wp: boolean): void {
    if (user && !us) this.pageFault(lin, err | 1);
    if (write && !rw && (user || wp)) this.pageFault(lin, err | 1);
  }
  private pageFault(lin: number, code: number): never {
    this.cr[2] = lin;
    return this.fault(EXC_PF, code, true);
  }

  // ---- physical access (RAM, else MMIO; never faults) ----
  // RAM below memSize is shadowed by MMIO in the legacy hole 0xA0000–0xFFFFF when a device
  // claims it there (the VGA window); the TLB never marks such pages T_RAM, so only this slow
  // path needs the check.
  private ramAt(p: number, size: number): boolean {
    if (p + size > this.memSize) return false;
    return p < 0xa0000 || p >= 0x100000 || this.mmio.find(p) === undefined;
  }
  physR8(p: number): number {
    return this.ramAt(p, 1) ? this.u8[p]! : this.mmio.read(p, 1) & 0xff;
  }
  physR16(p: number): number {
    return this.ramAt(p, 2) ? this.view.getUint16(p, true) : this.mmio.read(p, 2) & 0xffff;
  }
  physR32(p: number): number {
    return this.ramAt(p, 4) ? this.view.getInt32(p, true) : this.mmio.read(p, 4) | 0;
  }
  physW8(p: number, v: number): void {
    if (this.ramAt(p, 1)) {
      this.u8[p] = v;
      this.mem.markDirty(p, 1);
    } else this.mmio.write(p, 1, v & 0xff);
  }
  physW16(p: number, v: number): void {
    if (this.ramAt(p, 2)) {
      this.view.setUint16(p, v, true);
      this.mem.markDirty(p, 2);
    } else this.mmio.write(p, 2, v & 0xffff);
  }
  physW32(p: number, v: number): void {
    if (this.ramAt(p, 4)) {
      this.view.setInt32(p, v, true);
      this.mem.markDirty(p, 4);
    } else this.mmio.write(p, 4, v >>> 0);
  }

  // ---- linear access at the current privilege ----
  lr8(lin: number): number {
    const e = this.tlb[lin >>> 12]!;
    const n = this.readNeed;
    if ((e & n) === n) return this.u8[(e & ~0xfff) | (lin & 0xfff)]!;
    return this.physR8(this.translate(lin, false, this.cpl === 3));
  }
  lr16(lin: number): number {
    if ((lin & 0xfff) !== 0xfff) {
      const e = this.tlb[lin >>> 12]!;
      const n = this.readNeed;
      if ((e & n) === n) return this.view.getUint16((e & ~0xfff) | (lin & 0xfff), true);
      return this.physR16(this.translate(lin, false, this.cpl === 3));
    }
    return this.lr8(lin) | (this.lr8((lin + 1) | 0) << 8);
  }
  lr32(lin: number): number {
    if ((lin & 0xfff) <= 0xffc) {
      const e = this.tlb[lin >>> 12]!;
      const n = this.readNeed;
      if ((e & n) === n) return this.view.getInt32((e & ~0xfff) | (lin & 0xfff), true);
      return this.physR32(this.translate(lin, false, this.cpl === 3));
    }
    // Page-crossing: both pages must be accessible before any byte is used.
    this.translate((lin + 3) & ~0xfff, false, this.cpl === 3);
    return this.lr16(lin) | (this.lr16((lin + 2) | 0) << 16);
  }
  lw8(lin: number, v: number): void {
    const e = this.tlb[lin >>> 12]!;
    const n = this.writeNeed;
    if ((e & n) === n) this.u8[(e & ~0xfff) | (lin & 0xfff)] = v;
    else this.physW8(this.translate(lin, true, this.cpl === 3), v);
  }
  lw16(lin: number, v: number): void {
    if ((lin & 0xfff) !== 0xfff) {
      const e = this.tlb[lin >>> 12]!;
      const n = this.writeNeed;
      if ((e & n) === n) this.view.setUint16((e & ~0xfff) | (lin & 0xfff), v, true);
      else this.physW16(this.translate(lin, true, this.cpl === 3), v);
      return;
    }
    this.translate((lin + 1) & ~0xfff, true, this.cpl === 3);
    this.lw8(lin, v);
    this.lw8((lin + 1) | 0, v >> 8);
  }
  lw32(lin: number, v: number): void {
    if ((lin & 0xfff) <= 0xffc) {
      const e = this.tlb[lin >>> 12]!;
      const n = this.writeNeed;
      if ((e & n) === n) this.view.setInt32((e & ~0xfff) | (lin & 0xfff), v, true);
      else this.physW32(this.translate(lin, true, this.cpl === 3), v);
      return;
    }
    this.translate(lin, true, this.cpl === 3);
    this.translate((lin + 3) & ~0xfff, true, this.cpl === 3);
    this.lw16(lin, v);
    this.lw16((lin + 2) | 0, v >> 16);
  }

  /** Physical address of `lin` if the TLB already allows a RAM read at this CPL, else -1. */
  ramForRead(lin: number): number {
    const e = this.tlb[lin >>> 12]!;
    const n = this.readNeed;
    return (e & n) === n ? (e & ~0xfff) | (lin & 0xfff) : -1;
  }
  /** Physical address of `lin` if the TLB already allows a RAM write at this CPL, else -1. */
  ramForWrite(lin: number): number {
    const e = this.tlb[lin >>> 12]!;
    const n = this.writeNeed;
    return (e & n) === n ? (e & ~0xfff) | (lin & 0xfff) : -1;
  }

  // ---- implicit supervisor accesses (descriptor tables, TSS): SDM vol. 3 §4.6.1 ----
  sysR8(lin: number): number {
    return this.physR8(this.translate(lin, false, false));
  }
  sysR16(lin: number): number {
    return this.sysR8(lin) | (this.sysR8((lin + 1) | 0) << 8);
  }
  sysR32(lin: number): number {
    return this.sysR16(lin) | (this.sysR16((lin + 2) | 0) << 16);
  }
  sysW8(lin: number, v: number): void {
    this.physW8(this.translate(lin, true, false), v);
  }
  sysW16(lin: number, v: number): void {
    this.sysW8(lin, v);
    this.sysW8((lin + 1) | 0, v >> 8);
  }
  sysW32(lin: number, v: number): void {
    this.sysW16(lin, v);
    this.sysW16((lin + 2) | 0, v >> 16);
  }

  // ---- segmented access ----
  segFault(seg: number): never {
    return this.fault(seg === SS ? EXC_SS : EXC_GP, 0, true);
  }
  /** Linear address of a `len`-byte read at seg:off, after the limit check. */
  readAddr(seg: number, off: number, len: number): number {
    if (this.segFlat[seg] === 1) return off;
    const o = off >>> 0;
    if (o < this.segRLo[seg]! || o + len - 1 > this.segRHi[seg]!) this.segFault(seg);
    return (this.segBase[seg]! + off) | 0;
  }
  writeAddr(seg: number, off: number, len: number): number {
    if (this.segFlat[seg] === 1) return off;
    const o = off >>> 0;
    if (o < this.segWLo[seg]! || o + len - 1 > this.segWHi[seg]!) this.segFault(seg);
    return (this.segBase[seg]! + off) | 0;
  }
  rd8(seg: number, off: number): number {
    return this.lr8(this.readAddr(seg, off, 1));
  }
  rd16(seg: number, off: number): number {
    return this.lr16(this.readAddr(seg, off, 2));
  }
  rd32(seg: number, off: number): number {
    return this.lr32(this.readAddr(seg, off, 4));
  }
  wr8(seg: number, off: number, v: number): void {
    this.lw8(this.writeAddr(seg, off, 1), v);
  }
  wr16(seg: number, off: number, v: number): void {
    this.lw16(this.writeAddr(seg, off, 2), v);
  }
  wr32(seg: number, off: number, v: number): void {
    this.lw32(this.writeAddr(seg, off, 4), v);
  }

  // ---- instruction fetch ----
  /**
   * Physical address of the next instruction byte while the current instruction lies in
   * one RAM page within the CS limit (set by the decoder per instruction), else -1 and
   * every fetch takes the checked path.
   */
  fp = -1;

  /** Arm the fast fetch pointer for an instruction starting at EIP (called by the decoder). */
  beginFetch(): void {
    const ip = this.eip;
    const lin = (this.segBase[CS]! + ip) | 0;
    const e = this.tlb[lin >>> 12]!;
    const n = this.readNeed;
    if ((e & n) === n && (lin & 0xfff) <= 0xff0 && (!this.fetchCheck || (ip >>> 0) + 15 <= this.fetchLim[0]!)) {
      this.fp = (e & ~0xfff) | (lin & 0xfff);
    } else this.fp = -1;
  }

  fetch8(): number {
    const fp = this.fp;
    if (fp >= 0) {
      this.fp = fp + 1;
      this.eip = (this.eip + 1) | 0;
      return this.u8[fp]!;
    }
    return this.fetch8Slow();
  }
  private fetch8Slow(): number {
    const ip = this.eip;
    if (this.fetchCheck && ip >>> 0 > this.fetchLim[0]!) this.gp(0);
    const lin = (this.segBase[CS]! + ip) | 0;
    const e = this.tlb[lin >>> 12]!;
    const n = this.readNeed;
    this.eip = (ip + 1) | 0;
    if ((e & n) === n) return this.u8[(e & ~0xfff) | (lin & 0xfff)]!;
    return this.physR8(this.translate(lin, false, this.cpl === 3));
  }
  fetch16(): number {
    const fp = this.fp;
    if (fp >= 0) {
      this.fp = fp + 2;
      this.eip = (this.eip + 2) | 0;
      return this.view.getUint16(fp, true);
    }
    return this.fetch8Slow() | (this.fetch8Slow() << 8);
  }
  fetch32(): number {
    const fp = this.fp;
    if (fp >= 0) {
      this.fp = fp + 4;
      this.eip = (this.eip + 4) | 0;
      return this.view.getInt32(fp, true);
    }
    return this.fetch8Slow() | (this.fetch8Slow() << 8) | (this.fetch8Slow() << 16) | (this.fetch8Slow() << 24);
  }
}
