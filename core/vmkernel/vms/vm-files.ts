// A VM's files on its datastore, in VMware's layout: DS/NAME/NAME.vmx, NAME.nvram,
// vmware.log and the disks. Reading a .vmx gives typed errors naming the file; writing
// replaces it atomically so a crash never leaves half a .vmx.
import fs from 'node:fs';
import path from 'node:path';
import { VmdeskError, errorMessage } from '../../common';
import { VmxError, VmxFile, readVmConfig, writeVmConfig, type VmConfig } from '../vmx';

export function readVmx(file: string, label = path.basename(file)): { vmx: VmxFile; config: VmConfig } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new VmdeskError('not-found', `${label}: the file does not exist`);
    if (code === 'EISDIR') throw new VmxError(`${label}: is a folder, not a .vmx file`);
    throw new VmdeskError('unavailable', `${label}: cannot read: ${errorMessage(err)}`);
  }
  const vmx = VmxFile.parse(text, label);
  return { vmx, config: readVmConfig(vmx) };
}

export function writeVmxAtomic(file: string, vmx: VmxFile): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, vmx.toString(), { mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new VmdeskError('unavailable', `${path.basename(file)}: cannot write: ${errorMessage(err)}`);
  }
}

/** Writes `config` into the .vmx at `file` (new, or keeping the keys it does not own). */
export function saveVmConfig(file: string, config: VmConfig, existing?: VmxFile): void {
  const vmx = existing ?? VmxFile.empty(path.basename(file));
  writeVmConfig(vmx, config);
  writeVmxAtomic(file, vmx);
}

/** The empty companions VMware creates beside a new .vmx. */
export function createCompanionFiles(folder: string, name: string, version: string): void {
  fs.writeFileSync(path.join(folder, `${name}.nvram`), '');
  fs.writeFileSync(path.join(folder, 'vmware.log'), `${new Date().toISOString()}| vmdesk ${version}: created virtual machine ${name}\n`);
}

export function appendVmLog(folder: string, line: string): void {
  try {
    fs.appendFileSync(path.join(folder, 'vmware.log'), `${new Date().toISOString()}| ${line}\n`);
  } catch {
    // The log is a courtesy; a read-only datastore must not fail the operation.
  }
}
