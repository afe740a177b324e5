// Prints the native x87 comparison per group: `npx tsx test/cpu/fpu/native/report.ts [group-substring] [--show N]`.
import { allGroups } from './cases';
import { runGroup } from './program';

const args = process.argv.slice(2);
const showIdx = args.indexOf('--show');
const show = showIdx >= 0 ? Number(args[showIdx + 1]) : 5;
const filter = args.find((a, i) => !a.startsWith('--') && (showIdx < 0 || i !== showIdx + 1));
let passed = 0, total = 0;
for (const g of allGroups()) {
  if (filter && !g.name.includes(filter)) continue;
  const r = runGroup(g);
  passed += r.passed;
  total += r.total;
  const exact = r.bitExact === r.passed ? '' : ` (${r.bitExact} bit for bit)`;
  console.log(`${r.name}: ${r.passed}/${r.total} passed${exact}`);
  for (const m of r.mismatches.slice(0, show)) console.log(`  #${m.index} ${m.label}\n      ${m.detail}`);
}
console.log(`total: ${passed}/${total} passed`);
