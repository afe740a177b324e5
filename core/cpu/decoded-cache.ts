// The decoded-instruction cache: what the decoder learnt about the instruction starting at a
// physical address (prefixes, opcode, ModR/M and the memory operand's form), so a repeat
// visit skips prefix, opcode, ModR/M, SIB and displacement decoding. Direct-mapped by physical
// address; an entry is used only if the code bytes it was decoded from are still there (each
// hit compares them word by word), so self-modifying code, the kernel's patching, DMA and
// loaders writing memory need no invalidation hook. Immediates are never cached: handlers
// fetch them from memory as before. Only instructions decoded entirely from one RAM page
// through the fast fetch pointer, with at most three prefixes, are entered.
import type { Handler } from './opcode-table';

/** Entries (a power of two; 7 × 4 bytes each). 64 KiB of code bytes map without aliasing. */
export const DC_SIZE = 1 << 16;
export const DC_MASK = DC_SIZE - 1;
/** Tag bit for code decoded with a 16-bit CS (D = 0); physical RAM addresses stay below 2 GiB. */
export const DC_TAG_CS16 = 0x80000000 | 0;
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

export class DecodedCache {
  /** Physical address of the instruction (| DC_TAG_CS16), or -1: never a valid address (offset 0xfff). */
  readonly tag = new Int32Array(DC_SIZE).fill(-1);
  readonly info = new Int32Array(DC_SIZE);
  readonly ea = new Int32Array(DC_SIZE);
  readonly disp = new Int32Array(DC_SIZE);
  /** The code bytes the entry was decoded from, as three little-endian words. */
  readonly w0 = new Int32Array(DC_SIZE);
  readonly w1 = new Int32Array(DC_SIZE);
  readonly w2 = new Int32Array(DC_SIZE);
  /** The opcode's handler for the operand size (HANDLERS[info & DI_HANDLER]), or one specialised for its ModR/M shape (ops/specialized.ts). */
  readonly handler: Handler[] = new Array<Handler>(DC_SIZE).fill(() => {});

  clear(): void {
    this.tag.fill(-1);
  }
}
