// The CPU state a boot loader hands over: what the VM builder loads into the vCPU before the
// first instruction. Plain data (it crosses to the worker with structuredClone).
import type { GuestMemory } from '../../../memory';
import { BootError } from './boot-error';

/** A segment register with its hidden descriptor cache already loaded. */
export interface SegmentState {
  readonly selector: number;
  readonly base: number;
  /** Byte-granular effective limit (0xFFFFFFFF for a flat 4 GiB segment). */
  readonly limit: number;
  /** Descriptor byte 5: P, DPL, S, type (0x9B code r/x accessed, 0x93 data r/w accessed). */
  readonly access: number;
  /** Descriptor flags nibble (byte 6 high bits): G = 8, D/B = 4, L = 2, AVL = 1. */
  readonly flags: number;
}

export interface DescriptorTableState {
  readonly base: number;
  readonly limit: number;
}

export interface BootEntryState {
  /** Which protocol produced it (for logs). */
  readonly protocol: 'linux-32' | 'multiboot';
  readonly eip: number;
  readonly eax: number;
  readonly ebx: number;
  readonly ecx: number;
  readonly edx: number;
  readonly esi: number;
  readonly edi: number;
  readonly ebp: number;
  readonly esp: number;
  /** 0x2: reserved bit 1 set, IF clear. */
  readonly eflags: number;
  /** PE set, paging off. */
  readonly cr0: number;
  readonly gdtr: DescriptorTableState;
  /** Limit 0: any interrupt before the guest loads its own IDT is a shutdown, as on hardware. */
  readonly idtr: DescriptorTableState;
  readonly cs: SegmentState;
  readonly ds: SegmentState;
  readonly es: SegmentState;
  readonly fs: SegmentState;
  readonly gs: SegmentState;
  readonly ss: SegmentState;
}

/** __BOOT_CS and __BOOT_DS of the Linux boot protocol; Multiboot uses the same pair. */
export const BOOT_CS = 0x10;
export const BOOT_DS = 0x18;

const FLAT_CODE: Omit<SegmentState, 'selector'> = { base: 0, limit: 0xffffffff, access: 0x9b, flags: 0xc };
const FLAT_DATA: Omit<SegmentState, 'selector'> = { base: 0, limit: 0xffffffff, access: 0x93, flags: 0xc };

/** GDT: null, unused, flat code (0x10), flat data (0x18); accessed bits preset so the CPU need not write them. */
const GDT_ENTRIES = [0n, 0n, 0x00cf9b000000ffffn, 0x00cf93000000ffffn];
export const FLAT_GDT_SIZE = GDT_ENTRIES.length * 8;

export function writeFlatGdt(memory: GuestMemory, at: number): DescriptorTableState {
  if (!memory.contains(at, FLAT_GDT_SIZE)) throw new BootError(`boot: the GDT at 0x${at.toString(16)} lies outside guest RAM`);
  const bytes = new Uint8Array(FLAT_GDT_SIZE);
  const view = new DataView(bytes.buffer);
  GDT_ENTRIES.forEach((d, i) => view.setBigUint64(i * 8, d, true));
  memory.write(at, bytes);
  return { base: at, limit: FLAT_GDT_SIZE - 1 };
}

/** A 32-bit flat protected-mode entry state with all general registers zero unless given. */
export function flatProtectedEntry(
  protocol: BootEntryState['protocol'],
  gdtr: DescriptorTableState,
  regs: { eip: number; esp?: number; eax?: number; ebx?: number; esi?: number },
): BootEntryState {
  const data = { selector: BOOT_DS, ...FLAT_DATA };
  return {
    protocol,
    eip: regs.eip >>> 0,
    eax: (regs.eax ?? 0) >>> 0,
    ebx: (regs.ebx ?? 0) >>> 0,
    ecx: 0,
    edx: 0,
    esi: (regs.esi ?? 0) >>> 0,
    edi: 0,
    ebp: 0,
    esp: (regs.esp ?? 0) >>> 0,
    eflags: 0x2,
    cr0: 0x11, // PE | ET (ET is hard-wired to 1 on the 486 and later, SDM vol. 3 §2.5)
    gdtr,
    idtr: { base: 0, limit: 0 },
    cs: { selector: BOOT_CS, ...FLAT_CODE },
    ds: data,
    es: data,
    fs: data,
    gs: data,
    ss: data,
  };
}

/**
 * The same state in the shape of the CPU's `enterFlatProtectedMode` argument (core/cpu
 * FlatModeEntry): the CPU writes the identical flat GDT at `gdtAddress` and loads the
 * segment caches itself, so the builder calls `cpu.enterFlatProtectedMode(toFlatModeEntry(e))`.
 */
export function toFlatModeEntry(e: BootEntryState): {
  eip: number;
  esp: number;
  gdtAddress: number;
  registers: { eax: number; ebx: number; ecx: number; edx: number; esi: number; edi: number; ebp: number };
} {
  return { eip: e.eip, esp: e.esp, gdtAddress: e.gdtr.base, registers: { eax: e.eax, ebx: e.ebx, ecx: e.ecx, edx: e.edx, esi: e.esi, edi: e.edi, ebp: e.ebp } };
}
