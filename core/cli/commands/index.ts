// Every `vmdesk` subcommand, in the order `vmdesk --help` lists them. Each entry holds only
// what the top-level help needs (words and summary); the command's module — and everything it
// imports — is loaded when that command runs or shows its own --help, so start-up does not pay
// for the hypervisor, the web server and the database to print a version or convert a disk.
// test/cli/command-index.test.ts checks each entry against the command it loads.
import type { Command, CommandEntry } from '../command';

type Loaded = { readonly name: readonly string[] };

function entry<M>(words: string, summary: string, load: () => Promise<M>, pick: (m: M) => Loaded): CommandEntry {
  return { name: words.split(' '), summary, load: async () => pick(await load()) as unknown as Command };
}

const vmPower = (word: string) => (m: typeof import('./vm-power')): Loaded => m.vmPowerCommands.find((c) => c.name[1] === word)!;

export const commands: readonly CommandEntry[] = [
  entry('run', 'run one VM in the foreground with its serial console on this terminal', () => import('./run'), (m) => m.runCommand),
  entry('desktop', 'start the desktop app (falls back to the web UI where Electron cannot run)', () => import('./desktop'), (m) => m.desktopCommand),
  entry('serve', 'run a host headless and serve the web UI and API', () => import('./serve'), (m) => m.serveCommand),
  entry('user add', 'add a login account (or set its password) for `vmdesk serve` beyond loopback', () => import('./user-add'), (m) => m.userAddCommand),
  entry('vm list', 'list the virtual machines of a host', () => import('./vm-list'), (m) => m.vmListCommand),
  entry('vm create', 'create a virtual machine (folder and .vmx on a datastore)', () => import('./vm-create'), (m) => m.vmCreateCommand),
  entry('vm register', 'add an existing .vmx on a datastore to the inventory', () => import('./vm-create'), (m) => m.vmRegisterCommand),
  entry('vm reconfigure', "change a powered-off virtual machine's settings", () => import('./vm-edit'), (m) => m.vmReconfigureCommand),
  entry('vm rename', 'rename a virtual machine (its display name; folder and files keep theirs)', () => import('./vm-edit'), (m) => m.vmRenameCommand),
  entry('vm power-on', 'power a virtual machine on', () => import('./vm-power'), vmPower('power-on')),
  entry('vm power-off', 'power a virtual machine off (hard)', () => import('./vm-power'), vmPower('power-off')),
  entry('vm reset', 'reset a virtual machine (hard)', () => import('./vm-power'), vmPower('reset')),
  entry('vm shutdown', 'ask the guest to shut down (ACPI power button)', () => import('./vm-power'), vmPower('shutdown')),
  entry('vm unregister', 'remove a virtual machine from the inventory, keeping its files', () => import('./vm-power'), vmPower('unregister')),
  entry('vm delete', 'delete a virtual machine and its files', () => import('./vm-power'), vmPower('delete')),
  entry('vm console', "attach to a virtual machine's serial console (Ctrl-] detaches)", () => import('./vm-console'), (m) => m.vmConsoleCommand),
  entry('disk create', 'create a VMDK disk', () => import('./disk-create'), (m) => m.diskCreate),
  entry('disk info', 'show what a disk image is and holds', () => import('./disk-info'), (m) => m.diskInfoCommand),
  entry('disk check', 'check a disk image for errors', () => import('./disk-check'), (m) => m.diskCheck),
  entry('disk convert', 'convert a disk image to VMDK or raw', () => import('./disk-convert'), (m) => m.diskConvert),
  entry('disk grow', 'enlarge a VMDK disk', () => import('./disk-grow'), (m) => m.diskGrow),
  entry('disk snapshot', 'freeze a disk under a new delta disk (prints the delta to use from now on)', () => import('./disk-snapshot'), (m) => m.diskSnapshot),
  entry('disk consolidate', 'merge a delta disk into its parent and delete the delta (prints the parent)', () => import('./disk-snapshot'), (m) => m.diskConsolidate),
  entry('disk revert', 'throw away the changes in a delta disk (empties it, or deletes it with --delete)', () => import('./disk-snapshot'), (m) => m.diskRevert),
  entry('convert', 'convert a physical disk, foreign image, VMware VM, OVF/OVA or running Linux machine into a VM', () => import('./convert'), (m) => m.convertCommand),
  entry('export', 'export a VM as an OVA (OVF envelope, streamOptimized disks, SHA256 manifest)', () => import('./export'), (m) => m.exportCommand),
  entry('converter-agent', "serve this machine's file tree to `vmdesk convert agent://…` (hot clone)", () => import('./converter-agent'), (m) => m.converterAgentCommand),
];
