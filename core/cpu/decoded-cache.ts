// The decoded-instruction cache: what the decoder learnt about the instruction starting at a
// physical address (prefixes, opcode, ModR/M and the memory operand's form), so a repeat
// visit skips prefix, opcode, ModR/M, SIB and displacement decoding. Direct-mapped by physical
// address; an entry is used only if the code bytes it was decoded from are still there (each
// hit compares them word by word), so self-modifying code, the kernel's patching, DMA and
// loaders writing memory need no invalidation hook. Immediates are never cached: handlers
// fetch them from memory as before. Only instructions decoded entirely from one RAM page
// through the fast fetch pointer, with at most three prefixes, are entered.
import type { Handler } from './opcode-table';

/** Entries (a power of two). 64 KiB of code bytes map without aliasing. */
export const DC_SIZE = 1 << 16;
export const DC_MASK = DC_SIZE - 1;
/**
 * Tags: `fp | DC_TAG_CS32` for code decoded with a 32-bit CS (D = 1), `~fp` with a 16-bit one;
 * only code below 2 GiB is entered, so bit 31 is set in every tag and tag 0 is empty. Slots
 * share one empty entry until first written, so an idle guest allocates entries only for the
 * code it runs (test/bench/host-idle-memory.ts). The two forms never
 * meet in one slot: equal tags would need fp1 + fp2 = 2^31 - 1 with equal low 16 bits.
 */
export const DC_TAG_CS32 = 0x80000000 | 0;
/** Longest decoded part (prefixes + opcode + ModR/M + SIB + displacement) that is cached. */
export const DC_MAX_LEN = 12;

// dcInfo packing.
export const DI_HANDLER = 0x3ff; // (o32 << 9) | opcode (0x000-0x1ff): the HANDLERS index
export const DI_O32 = 1 << 9;
export const DI_A32 = 1 << 10;
export const DI_SEG_SHIFT = 11; // segment override + 1 (0 = none), 3 bits
export const DI_REP_SHIFT = 14; // 0 none, 1 REPNE (F2), 2 REP (F3)
export const DI_LOCK = 1 << 16;
export const DI_MODRM = 1 << 17;
export const DI_LEN_SHIFT = 18; // 4 bits
export const DI_WORDS_SHIFT = 22; // code words compared on a hit (1..3)
/** The prefix-derived state: o32, a32, segment override, REP, LOCK. */
export const DI_PREFIXES = DI_O32 | DI_A32 | (7 << DI_SEG_SHIFT) | (3 << DI_REP_SHIFT) | DI_LOCK;

// dcEa packing: ModR/M | form << 8 (base | index << 4 | scale << 8) | effective segment << 20.
export const DE_SEG_SHIFT = 20;

/**
 * One cached instruction. An object per slot rather than columns of one Int32Array: the hit
 * path reads five to eight of these fields, and V8 loads an object's field with one machine
 * instruction once the map is checked, where each typed-array element costs a map, bounds and
 * base-pointer check of its own (measured: test/bench/cpu-interpreter.ts). `run` is the
 * handler itself, so the call needs no table lookup.
 */
export class DecodedInsn {
  // Field order is memory order: what every hit reads comes first, within one cache line.
  /** The instruction's physical address, tagged by the CS D bit (DC_TAG_CS32), or 0: empty. */
  tag = 0;
  /** DI_* packing. */
  info = 0;
  /** The first of the code bytes the entry was decoded from, as little-endian words. */
  w0 = 0;
  run: Handler;
  /** DE packing. */
  ea = 0;
  /** Displacement of the memory operand. */
  disp = 0;
  w1 = 0;
  w2 = 0;
  constructor(run: Handler) {
    this.run = run;
  }
}

const none: Handler = () => {};

export class DecodedCache {
  /** Direct-mapped by physical address; slots share one empty entry until first written. */
  readonly entries: DecodedInsn[];
  private readonly empty = new DecodedInsn(none);

  constructor() {
    this.entries = Array.from({ length: DC_SIZE }, () => this.empty); // packed: no hole checks
  }

  /** The entry for physical address `fp`, to be overwritten (allocated on the slot's first use). */
  slotFor(fp: number): DecodedInsn {
    const i = fp & DC_MASK;
    let d = this.entries[i]!;
    if (d === this.empty) this.entries[i] = d = new DecodedInsn(none);
    return d;
  }

  clear(): void {
    this.entries.fill(this.empty);
  }
}
