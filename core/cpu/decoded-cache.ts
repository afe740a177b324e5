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
/**
 * Tags: `fp | DC_TAG_CS32` for code decoded with a 32-bit CS (D = 1), `~fp` with a 16-bit one;
 * only code below 2 GiB is entered, so bit 31 is set in every tag and an all-zero entry is
 * empty. The array then starts as the allocator's untouched zero pages: an idle guest makes
 * only the entries it runs resident (test/bench/host-idle-memory.ts). The two forms never
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

// Entry layout: eight int32 per entry in one array, so an instruction's lookup touches one
// cache line (SDM-independent; a host-cache choice).
export const E_TAG = 0; // the instruction's physical address, tagged by the CS D bit (DC_TAG_CS32), or 0: empty
export const E_INFO = 1; // DI_* packing
export const E_EA = 2; // DE packing
export const E_DISP = 3; // displacement of the memory operand
export const E_W0 = 4; // the code bytes the entry was decoded from, as three little-endian words
export const E_W1 = 5;
export const E_W2 = 6;
export const E_HANDLER = 7; // index into `handlers`
export const E_SHIFT = 3;

export class DecodedCache {
  readonly entries = new Int32Array(DC_SIZE << E_SHIFT);
  /** Every handler an entry names: the opcode's (HANDLERS) or one specialised for its ModR/M shape (ops/specialized.ts). */
  readonly handlers: Handler[] = [];
  private readonly handlerIds = new Map<Handler, number>();

  /** The index of `h` in `handlers` (added on first use). */
  handlerId(h: Handler): number {
    let id = this.handlerIds.get(h);
    if (id === undefined) {
      id = this.handlers.length;
      this.handlers.push(h);
      this.handlerIds.set(h, id);
    }
    return id;
  }

  clear(): void {
    this.entries.fill(0);
  }
}
