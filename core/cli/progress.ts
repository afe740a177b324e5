// Progress on long work: a redrawn bar on a terminal, plain lines ("convert: 42%") when not.
import type { CommandIo } from './command';

export interface Progress {
  /** done and total in any unit (bytes, sectors). */
  update(done: number, total: number): void;
  finish(message?: string): void;
}

export function createProgress(io: CommandIo, label: string): Progress {
  const started = Date.now();
  let lastPercent = -1;
  let lastDraw = 0;
  const out = io.stderr;
  return {
    update(done, total) {
      const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
      if (io.interactive) {
        const now = Date.now();
        if (now - lastDraw < 100 && percent !== 100) return;
        lastDraw = now;
        const elapsed = (now - started) / 1000;
        const eta = done > 0 && percent < 100 ? Math.round((elapsed * (total - done)) / done) : 0;
        const width = 30;
        const filled = Math.round((percent / 100) * width);
        out.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}%${eta ? ` ETA ${eta}s` : ''}   `);
      } else if (percent >= lastPercent + 10 || (percent === 100 && lastPercent !== 100)) {
        lastPercent = percent - (percent % 10);
        out.write(`${label}: ${percent}%\n`);
      }
    },
    finish(message) {
      if (io.interactive) out.write('\n');
      if (message) out.write(`${label}: ${message}\n`);
    },
  };
}
