// Progress of one conversion: phases (copy disk 1 of 2, build file system …), bytes done and
// an ETA from the rate so far. The CLI draws it; the host's task shows its percent.
export interface ConversionProgress {
  readonly phase: string;
  readonly doneBytes: number;
  readonly totalBytes: number;
  /** Whole conversion, 0..100. */
  readonly percent: number;
  /** Seconds left at the rate so far; undefined until there is a rate. */
  readonly etaSeconds?: number;
}

export type ProgressListener = (p: ConversionProgress) => void;

/**
 * Spreads a conversion's steps over 0..100 by weight (bytes each step moves) and turns
 * per-step byte counts into overall progress with an ETA.
 */
export class ProgressTracker {
  private readonly started = Date.now();
  private base = 0;
  private weight = 0;
  private doneAll = 0;
  private readonly totalAll: number;

  constructor(
    totalBytes: number,
    private readonly listener?: ProgressListener,
  ) {
    this.totalAll = Math.max(1, totalBytes);
  }

  /** Starts a step that moves `bytes` of the total; returns its (done, total) callback. */
  step(phase: string, bytes: number): (done: number, total: number) => void {
    this.base = this.doneAll;
    this.weight = bytes;
    const base = this.base;
    const weight = this.weight;
    const report = (done: number, total: number): void => {
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      this.doneAll = base + frac * weight;
      this.emit(phase, done, total);
    };
    report(0, 1);
    return report;
  }

  private emit(phase: string, done: number, total: number): void {
    if (!this.listener) return;
    const elapsed = (Date.now() - this.started) / 1000;
    const percent = Math.min(100, (this.doneAll / this.totalAll) * 100);
    const eta = this.doneAll > 0 && elapsed > 0.5 ? ((this.totalAll - this.doneAll) * elapsed) / this.doneAll : undefined;
    this.listener({ phase, doneBytes: done, totalBytes: total, percent, ...(eta !== undefined ? { etaSeconds: Math.round(eta) } : {}) });
  }

  finish(phase = 'done'): void {
    this.doneAll = this.totalAll;
    this.emit(phase, 1, 1);
  }
}
