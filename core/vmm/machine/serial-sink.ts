// A UART backend that batches transmitted bytes per slice, so the worker posts one
// message per slice instead of one per character.
import type { SerialBackend } from '../../devices/uart';

export class BatchingSerialSink implements SerialBackend {
  private buf = new Uint8Array(256);
  private len = 0;

  write(byte: number): void {
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = byte;
  }

  /** The bytes written since the last take, or undefined when none. */
  take(): Uint8Array | undefined {
    if (this.len === 0) return undefined;
    const out = this.buf.slice(0, this.len);
    this.len = 0;
    return out;
  }
}
