// The host's VMs: each is a .vmx on one of its datastores, registered in the host database.
// Owns create / register / unregister / reconfigure / rename / delete and the power
// operations (through the VmRuntime seam), runs each as a task and records an event.
// A VM whose .vmx cannot be read stays listed with its problem (vCenter's "invalid").
import fs from 'node:fs';
import path from 'node:path';
import type { ConsoleHistory, VmCreateSpec, VmInfo, VmReconfigureSpec, VmStats, VmSummary } from '../../api';
import { bytesToBase64 } from '../../api';
import { Emitter, UsageError, VmdeskError, createLogger, errorMessage } from '../../common';
import { heldByDeadLocalProcess, inspectLock, openImage } from '../../storage';
import type { Db } from '../db/host-database';
import type { ConsoleDisplay } from '../../vmm/console';
import { datastorePath, findDatastore, hostPathOf, locateFile } from '../datastore-files';
import type { DatastoreConfig } from '../datastores';
import type { DiskProvisioner } from '../disks/disk-provisioner';
import type { EventLog } from '../event-log';
import type { RunningVm, VmExitReason, VmRuntime } from '../runtime/vm-runtime';
import type { TaskManager } from '../tasks';
import type { VmConfig } from '../vmx';
import { ConsoleBuffer } from './console-buffer';
import { appendVmLog, createCompanionFiles, readVmx, saveVmConfig } from './vm-files';
import { checkDiskSize, checkProvisioning, checkVmName, configFromCreateSpec, hardwareOf, reconfigured } from './vm-spec';
import { VmError } from './vm-error';
import { VmStatsTracker } from './vm-stats';

const log = createLogger('vms');

interface VmRow {
  id: number;
  datastore: string;
  vmx: string;
  name: string;
}

interface PowerSession {
  running: RunningVm | null;
  readonly console: ConsoleBuffer;
  readonly stats: VmStatsTracker;
  readonly poweredOnAt: number;
}

export interface VmRegistryOptions {
  readonly db: Db;
  readonly datastores: readonly DatastoreConfig[];
  readonly runtime: VmRuntime;
  readonly disks: DiskProvisioner;
  readonly tasks: TaskManager;
  readonly events: EventLog;
  readonly version: string;
  /** Host name, for task targets. */
  readonly hostName: string;
}

export { VmError };

export class VmRegistry {
  private readonly sessions = new Map<string, PowerSession>();
  private readonly busy = new Map<string, string>();
  private readonly onChangeEmitter = new Emitter<void>();
  /** Something in the inventory changed (a VM added, removed, renamed, powered). */
  readonly onChange = this.onChangeEmitter.event;
  private readonly onConsoleEmitter = new Emitter<{ id: string; offset: number; bytes: Uint8Array }>();
  readonly onConsole = this.onConsoleEmitter.event;
  private readonly onStatsEmitter = new Emitter<{ id: string; stats: VmStats }>();
  readonly onStats = this.onStatsEmitter.event;
  private readonly onDisplayGoneEmitter = new Emitter<string>();
  /** A VM's screen went away (it powered off): consoles showing it should close. */
  readonly onDisplayGone = this.onDisplayGoneEmitter.event;

  constructor(private readonly o: VmRegistryOptions) {}

  // ---- reading -------------------------------------------------------------------------

  private rows(): VmRow[] {
    return this.o.db.prepare('SELECT id, datastore, vmx, name FROM vms ORDER BY name COLLATE NOCASE').all() as VmRow[];
  }

  private row(id: unknown): VmRow {
    const m = typeof id === 'string' ? /^vm-(\d+)$/.exec(id) : null;
    const row = m ? (this.o.db.prepare('SELECT id, datastore, vmx, name FROM vms WHERE id = ?').get(Number(m[1])) as VmRow | undefined) : undefined;
    if (!row) throw new VmError('not-found', `vm: no virtual machine ${JSON.stringify(id)} on this host`);
    return row;
  }

  /** A VM by id or, for the command line, by its (unique) name. */
  resolve(idOrName: string): string {
    if (/^vm-\d+$/.test(idOrName)) return `vm-${this.row(idOrName).id}`;
    const row = this.rows().find((r) => r.name.toLowerCase() === idOrName.toLowerCase());
    if (!row) throw new VmError('not-found', `vm: no virtual machine named "${idOrName}" on this host`);
    return `vm-${row.id}`;
  }

  private files(row: VmRow): { ds: DatastoreConfig; vmxFile: string; folder: string } {
    const ds = findDatastore(this.o.datastores, row.datastore);
    const vmxFile = path.join(ds.path, row.vmx);
    return { ds, vmxFile, folder: path.dirname(vmxFile) };
  }

  private info(row: VmRow): VmInfo {
    const id = `vm-${row.id}`;
    const session = this.sessions.get(id);
    const base = {
      id,
      name: row.name,
      powerState: session?.running ? ('poweredOn' as const) : ('poweredOff' as const),
      datastore: row.datastore,
      vmxPath: datastorePath(row.datastore, row.vmx),
      ...(session?.running ? { poweredOnAt: session.poweredOnAt } : {}),
    };
    try {
      const { vmxFile, folder } = this.files(row);
      const { config } = readVmx(vmxFile, base.vmxPath);
      return { ...base, hardware: hardwareOf(config, folder) };
    } catch (err) {
      return { ...base, hardware: null, problem: errorMessage(err) };
    }
  }

  list(): VmInfo[] {
    return this.rows().map((r) => this.info(r));
  }

  summaries(): VmSummary[] {
    return this.rows().map((r) => ({ id: `vm-${r.id}`, name: r.name, powerState: this.sessions.get(`vm-${r.id}`)?.running ? 'poweredOn' : 'poweredOff' }));
  }

  get(id: string): VmInfo {
    return this.info(this.row(id));
  }

  isPoweredOn(id: string): boolean {
    return Boolean(this.sessions.get(id)?.running);
  }

  // ---- inventory operations --------------------------------------------------------------

  /** Runs `work` as a task on VM `id`, refusing a second operation on it meanwhile. */
  private async operate<T>(taskName: string, target: { id?: string; name: string }, work: (progress: (p: number) => void) => Promise<T> | T): Promise<T> {
    if (target.id) {
      const other = this.busy.get(target.id);
      if (other) throw new VmError('conflict', `vm ${target.name}: "${other}" is still in progress; try again when it has finished`);
      this.busy.set(target.id, taskName);
    }
    try {
      return await this.o.tasks.run(taskName, target.name, (t) => work((p) => t.progress(p)), {
        targetId: target.id,
        describe: (r) => (r && typeof r === 'object' && 'id' in r ? String((r as { id: unknown }).id) : undefined),
      });
    } finally {
      if (target.id) this.busy.delete(target.id);
    }
  }

  private checkUniqueName(name: string, except?: number): void {
    const clash = this.rows().find((r) => r.name.toLowerCase() === name.toLowerCase() && r.id !== except);
    if (clash) throw new VmError('conflict', `vm: a virtual machine named "${clash.name}" is already registered on this host`);
  }

  private requirePoweredOff(id: string, name: string, what: string): void {
    if (this.isPoweredOn(id)) throw new VmError('conflict', `vm ${name}: cannot ${what} while it is powered on; power it off first`);
  }

  private changed(): void {
    this.onChangeEmitter.fire();
  }

  async create(spec: VmCreateSpec): Promise<VmInfo> {
    if (typeof spec !== 'object' || spec === null) throw new UsageError('vm: create needs { name, datastore, memoryMB, … }');
    const name = checkVmName(spec.name);
    return this.operate('Create virtual machine', { name }, async (progress) => {
      const config = configFromCreateSpec(spec);
      const diskBytes = spec.disk ? checkDiskSize(spec.disk.sizeGB) : 0;
      const provisioning = spec.disk ? checkProvisioning(spec.disk.provisioning) : 'thin';
      if (typeof spec.datastore !== 'string') throw new UsageError('vm: datastore must be the name of one of the host’s datastores');
      const ds = findDatastore(this.o.datastores, spec.datastore);
      this.checkUniqueName(name);
      const existingDisk = spec.existingDisk ? this.existingDisk(spec.existingDisk) : undefined;
      const folder = path.join(ds.path, name);
      if (fs.existsSync(folder)) {
        throw new VmError('conflict', `vm: [${ds.name}] ${name} already exists; pick another name, or register the .vmx that is there`);
      }
      try {
        fs.mkdirSync(folder);
      } catch (err) {
        throw new VmError('unavailable', `vm: cannot create the folder [${ds.name}] ${name}: ${errorMessage(err)}`);
      }
      try {
        createCompanionFiles(folder, name, this.o.version);
        let full: VmConfig = config;
        if (spec.disk) {
          const fileName = await this.o.disks.create({ folder, baseName: name, sizeBytes: diskBytes, provisioning, progress: (p) => progress(p * 0.9) });
          full = { ...config, ide: [{ slot: 'ide0:0', type: 'disk', fileName }, ...config.ide] };
        } else if (existingDisk) {
          // Outside the VM's folder: the .vmx names it by its absolute path, as VMware does.
          full = { ...config, ide: [{ slot: 'ide0:0', type: 'disk', fileName: existingDisk }, ...config.ide] };
        }
        const vmxFile = path.join(folder, `${name}.vmx`);
        saveVmConfig(vmxFile, full);
        const rel = path.relative(ds.path, vmxFile);
        const id = this.insert(ds.name, rel, name);
        appendVmLog(folder, `created with ${full.memoryMB} MB, ${full.cpus} vCPU${spec.disk ? `, a ${diskBytes} byte ${provisioning} ${this.o.disks.format} disk` : existingDisk ? `, the existing disk ${existingDisk}` : ', no disk'}`);
        this.o.events.log({ type: 'VmCreatedEvent', message: `Created virtual machine ${name} on ${this.o.hostName} in [${ds.name}]`, target: name, targetId: id });
        this.changed();
        return this.get(id);
      } catch (err) {
        fs.rmSync(folder, { recursive: true, force: true });
        throw err;
      }
    });
  }

  /** Host path of an existing disk image on one of the datastores; one line if it is not one. */
  private existingDisk(where: string): string {
    const { ds, rel } = locateFile(this.o.datastores, where);
    const file = path.join(path.resolve(ds.path), rel);
    const label = datastorePath(ds.name, rel);
    if (!fs.existsSync(file)) throw new VmError('not-found', `vm: existing disk ${label}: no such file`);
    try {
      openImage(file, { readOnly: true }).dispose();
    } catch (err) {
      throw new UsageError(`vm: existing disk ${label}: ${errorMessage(err)}`);
    }
    return file;
  }

  private insert(datastore: string, rel: string, name: string): string {
    const r = this.o.db.prepare('INSERT INTO vms (datastore, vmx, name, registered_at) VALUES (?, ?, ?, ?)').run(datastore, rel, name, Date.now());
    return `vm-${r.lastInsertRowid}`;
  }

  async register(where: string): Promise<VmInfo> {
    if (typeof where !== 'string' || where.trim() === '') throw new UsageError('vm: register needs the path of a .vmx');
    return this.operate('Register virtual machine', { name: path.basename(where) }, () => {
      const { ds, rel } = locateFile(this.o.datastores, where);
      if (!rel.toLowerCase().endsWith('.vmx')) throw new UsageError(`vm: ${datastorePath(ds.name, rel)} is not a .vmx file`);
      const label = datastorePath(ds.name, rel);
      const { config } = readVmx(path.join(ds.path, rel), label);
      const existing = this.rows().find((r) => r.datastore === ds.name && r.vmx === rel);
      if (existing) throw new VmError('conflict', `vm: ${label} is already registered as "${existing.name}"`);
      this.checkUniqueName(config.displayName);
      const id = this.insert(ds.name, rel, config.displayName);
      this.o.events.log({ type: 'VmRegisteredEvent', message: `Registered ${config.displayName} on ${this.o.hostName} from ${label}`, target: config.displayName, targetId: id });
      this.changed();
      return this.get(id);
    });
  }

  async unregister(id: string): Promise<null> {
    const row = this.row(id);
    return this.operate('Unregister virtual machine', { id, name: row.name }, () => {
      this.requirePoweredOff(id, row.name, 'unregister it');
      this.o.db.prepare('DELETE FROM vms WHERE id = ?').run(row.id);
      this.sessions.delete(id);
      this.o.events.log({ type: 'VmRemovedEvent', message: `Removed ${row.name} from the inventory of ${this.o.hostName}; its files stay in ${datastorePath(row.datastore, path.dirname(row.vmx))}`, target: row.name, targetId: id });
      this.changed();
      return null;
    });
  }

  async reconfigure(spec: VmReconfigureSpec): Promise<VmInfo> {
    const row = this.row(spec?.id);
    return this.operate('Reconfigure virtual machine', { id: spec.id, name: row.name }, () => {
      this.requirePoweredOff(spec.id, row.name, 'change its settings');
      const { vmxFile, folder } = this.files(row);
      const { vmx, config } = readVmx(vmxFile, datastorePath(row.datastore, row.vmx));
      const next = reconfigured(config, spec);
      saveVmConfig(vmxFile, next, vmx);
      const what = describeChange(config, next);
      appendVmLog(folder, `reconfigured: ${what}`);
      this.o.events.log({ type: 'VmReconfiguredEvent', message: `Reconfigured ${row.name} on ${this.o.hostName}: ${what}`, target: row.name, targetId: spec.id });
      this.changed();
      return this.get(spec.id);
    });
  }

  /** Renames the VM (its displayName), as vCenter does; the folder and files keep their names. */
  async rename(id: string, newName: string): Promise<VmInfo> {
    const row = this.row(id);
    return this.operate('Rename virtual machine', { id, name: row.name }, () => {
      const name = checkVmName(newName);
      this.checkUniqueName(name, row.id);
      const { vmxFile } = this.files(row);
      const { vmx, config } = readVmx(vmxFile, datastorePath(row.datastore, row.vmx));
      saveVmConfig(vmxFile, { ...config, displayName: name }, vmx);
      this.o.db.prepare('UPDATE vms SET name = ? WHERE id = ?').run(name, row.id);
      this.o.events.log({ type: 'VmRenamedEvent', message: `Renamed ${row.name} to ${name} on ${this.o.hostName}`, target: name, targetId: id });
      this.changed();
      return this.get(id);
    });
  }

  /** Deletes the VM's folder with every file in it, and unregisters it. */
  async delete(id: string): Promise<null> {
    const row = this.row(id);
    return this.operate('Delete virtual machine', { id, name: row.name }, () => {
      this.requirePoweredOff(id, row.name, 'delete it');
      const { ds, folder, vmxFile } = this.files(row);
      const lock = inspectLock(vmxFile);
      // A lock left by a process of this host that no longer exists (killed) holds nothing.
      if (lock.state === 'held' && lock.record && !heldByDeadLocalProcess(lock.record, this.o.hostName)) {
        throw new VmError('conflict', `vm ${row.name}: cannot delete it: it is powered on by host ${lock.record.host} (pid ${lock.record.pid}), which holds the lock of its .vmx`);
      }
      if (path.resolve(folder) === path.resolve(ds.path)) {
        throw new VmError('conflict', `vm ${row.name}: its .vmx lies at the root of [${ds.name}], not in a folder of its own; unregister it and remove its files by hand`);
      }
      try {
        fs.rmSync(folder, { recursive: true, force: true });
      } catch (err) {
        throw new VmError('unavailable', `vm ${row.name}: cannot delete ${datastorePath(ds.name, path.dirname(row.vmx))}: ${errorMessage(err)}`);
      }
      this.o.db.prepare('DELETE FROM vms WHERE id = ?').run(row.id);
      this.sessions.delete(id);
      this.o.events.log({ type: 'VmRemovedEvent', message: `Deleted ${row.name} and its files from [${ds.name}]`, target: row.name, targetId: id });
      this.changed();
      return null;
    });
  }

  // ---- power ------------------------------------------------------------------------------

  async powerOn(id: string): Promise<VmInfo> {
    const row = this.row(id);
    return this.operate('Power On virtual machine', { id, name: row.name }, async () => {
      if (this.isPoweredOn(id)) throw new VmError('conflict', `vm ${row.name}: is already powered on`);
      const { ds, vmxFile, folder } = this.files(row);
      const { config } = readVmx(vmxFile, datastorePath(row.datastore, row.vmx));
      const session: PowerSession = { running: null, console: new ConsoleBuffer(), stats: new VmStatsTracker(config.memoryMB * 2 ** 20), poweredOnAt: Date.now() };
      let exitedEarly: VmExitReason | undefined;
      try {
        const running = await this.o.runtime.powerOn(
          {
            id,
            name: row.name,
            vmxFile,
            folder,
            datastore: { name: ds.name, path: ds.path },
            config,
            resolveFile: (file) => hostPathOf(this.o.datastores, file, folder),
          },
          {
            serialOutput: (bytes) => {
              const offset = session.console.append(bytes);
              session.stats.addConsoleBytes(bytes.length);
              this.onConsoleEmitter.fire({ id, offset, bytes });
            },
            exited: (reason) => {
              if (!session.running) exitedEarly = reason;
              else this.exited(id, row.name, session, reason);
            },
          },
        );
        if (exitedEarly) throw new VmError('unavailable', `vm ${row.name}: stopped while powering on (${exitText(exitedEarly)})`);
        session.running = running;
      } catch (err) {
        this.o.events.log({ level: 'error', type: 'VmFailedToPowerOnEvent', message: `Cannot power on ${row.name} on ${this.o.hostName}: ${errorMessage(err)}`, target: row.name, targetId: id });
        throw err;
      }
      this.sessions.set(id, session);
      appendVmLog(folder, `powered on`);
      this.o.events.log({ type: 'VmPoweredOnEvent', message: `${row.name} on ${this.o.hostName} is powered on`, target: row.name, targetId: id });
      this.changed();
      return this.get(id);
    });
  }

  private exited(id: string, name: string, session: PowerSession, reason: VmExitReason): void {
    if (!session.running) return;
    const hadDisplay = Boolean(session.running.display);
    session.running = null;
    if (hadDisplay) this.onDisplayGoneEmitter.fire(id);
    const bad = reason.kind === 'crashed' || reason.kind === 'tripleFault';
    this.o.events.log({
      level: bad ? 'error' : 'info',
      type: bad ? 'VmDiedEvent' : 'VmPoweredOffEvent',
      message: `${name} on ${this.o.hostName} is powered off: ${exitText(reason)}`,
      target: name,
      targetId: id,
    });
    log.info(`${name}: powered off (${exitText(reason)})`);
    this.changed();
  }

  private running(id: string, name: string): RunningVm {
    const running = this.sessions.get(id)?.running;
    if (!running) throw new VmError('conflict', `vm ${name}: is powered off`);
    return running;
  }

  async powerOff(id: string): Promise<VmInfo> {
    const row = this.row(id);
    return this.operate('Power Off virtual machine', { id, name: row.name }, async () => {
      const session = this.sessions.get(id);
      await this.running(id, row.name).powerOff();
      if (session?.running) this.exited(id, row.name, session, { kind: 'poweredOff' });
      return this.get(id);
    });
  }

  async reset(id: string): Promise<VmInfo> {
    const row = this.row(id);
    return this.operate('Reset virtual machine', { id, name: row.name }, async () => {
      await this.running(id, row.name).reset();
      this.o.events.log({ type: 'VmResettingEvent', message: `${row.name} on ${this.o.hostName} is reset`, target: row.name, targetId: id });
      return this.get(id);
    });
  }

  async shutdown(id: string): Promise<VmInfo> {
    const row = this.row(id);
    return this.operate('Initiate guest OS shutdown', { id, name: row.name }, async () => {
      await this.running(id, row.name).shutdown();
      this.o.events.log({ type: 'VmGuestShutdownEvent', message: `Guest OS shutdown of ${row.name} requested (ACPI power button)`, target: row.name, targetId: id });
      return this.get(id);
    });
  }

  // ---- console and stats --------------------------------------------------------------------

  console(id: string, since?: number): ConsoleHistory {
    const row = this.row(id);
    const session = this.sessions.get(id);
    const { offset, bytes } = session ? session.console.read(typeof since === 'number' ? since : 0) : { offset: 0, bytes: new Uint8Array() };
    return { id: `vm-${row.id}`, data: bytesToBase64(bytes), offset, end: offset + bytes.length, powerState: session?.running ? 'poweredOn' : 'poweredOff' };
  }

  consoleInput(id: string, bytes: Uint8Array): void {
    const row = this.row(id);
    this.running(id, row.name).serialInput(bytes);
  }

  /** The screen of running VM `id`, for graphical consoles; undefined when off or it has none. */
  displayOf(id: string): ConsoleDisplay | undefined {
    return this.sessions.get(id)?.running?.display;
  }

  statsHistory(id: string): readonly VmStats[] {
    this.row(id);
    return this.sessions.get(id)?.stats.history ?? [];
  }

  /** Takes one stats sample of every running VM (the host's stats timer calls this). */
  sample(): void {
    for (const [id, session] of this.sessions) {
      if (!session.running) continue;
      try {
        const stats = session.stats.sample(session.running.counters());
        this.onStatsEmitter.fire({ id, stats });
      } catch (err) {
        log.warn(`${id}: cannot read its counters: ${errorMessage(err)}`);
      }
    }
  }

  /** Hard-stops every running VM (host shutdown). */
  async powerOffAll(): Promise<void> {
    await Promise.allSettled([...this.sessions.values()].map((s) => s.running?.powerOff()));
  }

  dispose(): void {
    this.onChangeEmitter.dispose();
    this.onConsoleEmitter.dispose();
    this.onStatsEmitter.dispose();
    this.onDisplayGoneEmitter.dispose();
  }
}

function exitText(reason: VmExitReason): string {
  switch (reason.kind) {
    case 'poweredOff':
      return 'powered off by the host';
    case 'guestPoweredOff':
      return 'the guest powered off';
    case 'tripleFault':
      return `triple fault: ${reason.message}`;
    case 'crashed':
      return `its worker failed: ${reason.message}`;
  }
}

function describeChange(before: VmConfig, after: VmConfig): string {
  const parts: string[] = [];
  if (before.memoryMB !== after.memoryMB) parts.push(`memory ${before.memoryMB} → ${after.memoryMB} MB`);
  if (before.cpus !== after.cpus) parts.push(`CPUs ${before.cpus} → ${after.cpus}`);
  if (before.guestOS !== after.guestOS) parts.push(`guest OS ${before.guestOS} → ${after.guestOS}`);
  if (before.cpuShares !== after.cpuShares) parts.push(`CPU shares ${before.cpuShares ?? 'default'} → ${after.cpuShares}`);
  const cd = (c: VmConfig) => c.ide.find((d) => d.type === 'cdrom')?.fileName ?? 'none';
  if (cd(before) !== cd(after)) parts.push(`CD-ROM ${cd(before)} → ${cd(after)}`);
  if (JSON.stringify(before.kernelBoot) !== JSON.stringify(after.kernelBoot) || before.bootOrder !== after.bootOrder) parts.push('boot options');
  return parts.join(', ') || 'no change';
}
