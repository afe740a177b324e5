// Nothing half-made: a conversion writes into a hidden sibling folder of its target
// (".NAME.converting-XXXX") and renames it into place only when everything succeeded. A failed
// or cancelled conversion removes the folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConverterError } from './errors';

export class StagingFolder {
  private done = false;

  private constructor(
    readonly target: string,
    readonly dir: string,
  ) {}

  /** Refuses a target that exists (a VM folder is never merged into). */
  static create(target: string): StagingFolder {
    const abs = path.resolve(target);
    if (fs.existsSync(abs)) throw new ConverterError(`${abs}: already exists; pick a new folder for the converted VM`, 'converter.exists');
    const parent = path.dirname(abs);
    if (!fs.existsSync(parent)) throw new ConverterError(`${parent}: no such folder (the VM folder's parent must exist)`, 'converter.io');
    const dir = fs.mkdtempSync(path.join(parent, `.${path.basename(abs)}.converting-`));
    fs.chmodSync(dir, 0o755);
    return new StagingFolder(abs, dir);
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** Scratch space that is removed with the folder and never reaches the target. */
  scratch(name: string): string {
    const p = path.join(this.dir, '.scratch');
    fs.mkdirSync(p, { recursive: true });
    return path.join(p, name);
  }

  commit(): string {
    fs.rmSync(path.join(this.dir, '.scratch'), { recursive: true, force: true });
    if (fs.existsSync(this.target)) throw new ConverterError(`${this.target}: appeared while converting; the result is left in ${this.dir}`, 'converter.exists');
    fs.renameSync(this.dir, this.target);
    this.done = true;
    return this.target;
  }

  /** Removes everything written (after a failure or a cancel). Safe to call twice. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
