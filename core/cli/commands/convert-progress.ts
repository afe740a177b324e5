// Conversion progress on the terminal: phase, percent and ETA, redrawn on a TTY, one line per
// 10% (and per phase) otherwise. Ctrl-C cancels through the AbortSignal it hands out.
import type { ConversionProgress } from '../../converter';
import type { CommandIo } from '../command';

export function conversionReporter(io: CommandIo, label: string): { listener: (p: ConversionProgress) => void; done: () => void } {
  let lastPhase = '';
  let lastTen = -1;
  let lastDraw = 0;
  const eta = (p: ConversionProgress): string => (p.etaSeconds !== undefined && p.percent < 100 ? ` ETA ${p.etaSeconds}s` : '');
  return {
    listener(p) {
      const pct = Math.floor(p.percent);
      if (io.interactive) {
        const now = Date.now();
        if (now - lastDraw < 100 && p.phase === lastPhase) return;
        lastDraw = now;
        lastPhase = p.phase;
        const filled = Math.round((pct / 100) * 30);
        io.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${String(pct).padStart(3)}% ${p.phase}${eta(p)}\x1b[K`);
        return;
      }
      const ten = pct - (pct % 10);
      if (p.phase !== lastPhase || ten > lastTen) {
        lastPhase = p.phase;
        lastTen = ten;
        io.stderr.write(`${label}: ${pct}% ${p.phase}${eta(p)}\n`);
      }
    },
    done() {
      if (io.interactive) io.stderr.write('\n');
    },
  };
}

/** An AbortSignal that fires on Ctrl-C (SIGINT) while `work` runs. */
export async function cancellable<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onInt = (): void => ac.abort();
  process.once('SIGINT', onInt);
  try {
    return await work(ac.signal);
  } finally {
    process.off('SIGINT', onInt);
  }
}
