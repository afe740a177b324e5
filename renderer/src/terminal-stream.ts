// What a terminal still has to write when the console's byte history it shows moves on.
// The console store keeps a bounded tail of the output (oldest bytes dropped), so "new
// bytes" cannot be told from lengths alone once the tail is full: find where the previous
// history's last bytes sit in the next one and take what follows.

const PROBE = 64;

/** The bytes of `next` after `prev`, or `next` whole when they do not follow one another. */
export function appendedBytes(prev: Uint8Array, next: Uint8Array): { bytes: Uint8Array; restart: boolean } {
  if (prev.length === 0) return { bytes: next, restart: false };
  if (next.length >= prev.length && sameAt(next, 0, prev, 0, prev.length)) return { bytes: next.subarray(prev.length), restart: false };
  const probe = prev.subarray(Math.max(0, prev.length - PROBE));
  for (let end = next.length; end >= probe.length; end--) {
    if (sameAt(next, end - probe.length, probe, 0, probe.length)) return { bytes: next.subarray(end), restart: false };
  }
  return { bytes: next, restart: true };
}

function sameAt(a: Uint8Array, ai: number, b: Uint8Array, bi: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[ai + i] !== b[bi + i]) return false;
  return true;
}
