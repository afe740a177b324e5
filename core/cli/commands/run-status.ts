// One line saying where a VM's vCPU was at its worker's last report, for `vmdesk run` to print
// when it stops a guest that did not end by itself (SIGTERM, --timeout): a hung guest then
// says whether it sat in HLT, with interrupts on or off, and whether the worker still reported.
import type { VmThreadStats } from '../../vmm';

const EFLAGS_IF = 1 << 9;

export function describeVcpu(stats: VmThreadStats, silentMs: number): string {
  if (stats.instructions === 0) return `the vCPU had not run yet (the worker last reported ${(silentMs / 1000).toFixed(1)} s ago)`;
  const eip = (stats.eip >>> 0).toString(16).padStart(8, '0');
  const where = stats.halted ? `halted at EIP ${eip}` : `running at EIP ${eip}`;
  const flags = stats.eflags & EFLAGS_IF ? 'IF=1' : 'IF=0';
  return `the vCPU was ${where} (${flags}) after ${stats.instructions.toLocaleString('en-US')} instructions, guest clock ${(stats.guestNs / 1e9).toFixed(1)} s, reported ${(silentMs / 1000).toFixed(1)} s ago`;
}
