// `npm run test:vectors`: runs the 80286 real-mode and 8086 single-step sets and prints
// `80286: <passed>/<total> passed`, `8086: <passed>/<total> passed`, then the failing
// opcodes. Skipped tests (FORMAT.md's 386 differences) are left out of the total.
// Exit status is non-zero if any test fails. `--verbose` prints the first difference per opcode.
import { runSet, type SetResult } from './vector-sets';

const verbose = process.argv.includes('--verbose');
const only = process.argv.find((a) => a.startsWith('--set='))?.slice(6);
const results: [string, SetResult][] = [];
try {
  for (const set of ['80286', '8086'] as const) {
    if (only && only !== set) continue;
    results.push([set, runSet(set)]);
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
}
let failed = 0;
for (const [set, r] of results) {
  console.log(`${set}: ${r.passed}/${r.total} passed`);
  failed += r.total - r.passed;
}
for (const [set, r] of results) {
  if (r.failures.size === 0) continue;
  const list = [...r.failures.entries()].map(([op, f]) => `${op} (${f.count})`).join(' ');
  console.log(`${set} failing opcodes: ${list}`);
  if (verbose) for (const [op, f] of r.failures) console.log(`  ${set} ${op}: ${f.first}`);
}
for (const [set, r] of results) {
  console.log(`${set}: ${r.skipped} tests skipped (not counted in the total):`);
  for (const [why, n] of [...r.skipReasons].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(6)}  ${why}`);
}
process.exit(failed === 0 ? 0 : 1);
