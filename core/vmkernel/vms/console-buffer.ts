// A VM's serial console output since power-on: the last `capacity` bytes, addressed by
// their offset in the whole stream so a client can ask for "everything after N".

export class ConsoleBuffer {
  private chunks: Uint8Array[] = [];
  private kept = 0;
  /** Offset of the first byte kept. */
  private start = 0;

  constructor(private readonly capacity = 256 * 1024) {}

  /** Offset just past the last byte. */
  get end(): number {
    return this.start + this.kept;
  }

  /** Appends and returns the offset of the first appended byte. */
  append(bytes: Uint8Array): number {
    const at = this.end;
    if (bytes.length === 0) return at;
    this.chunks.push(bytes.slice());
    this.kept += bytes.length;
    while (this.kept > this.capacity && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      const excess = this.kept - this.capacity;
      if (first.length <= excess) {
        this.chunks.shift();
        this.kept -= first.length;
        this.start += first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.kept -= excess;
        this.start += excess;
      }
    }
    return at;
  }

  /** Bytes from `since` (clamped to what is kept) to the end. */
  read(since = 0): { offset: number; bytes: Uint8Array } {
    const from = Math.max(this.start, Math.min(since, this.end));
    const out = new Uint8Array(this.end - from);
    let pos = this.start;
    let w = 0;
    for (const c of this.chunks) {
      const lo = Math.max(0, from - pos);
      if (lo < c.length) {
        out.set(c.subarray(lo), w);
        w += c.length - lo;
      }
      pos += c.length;
    }
    return { offset: from, bytes: out };
  }
}
