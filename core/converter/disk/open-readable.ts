// Opening a conversion source for reading, with advice when permission is missing.
import * as fs from 'node:fs';
import { ConverterError } from '../errors';

/** Opens a source read-only; a permission problem gets advice, not a stack trace. */
export function openForReading(file: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new ConverterError(`${file}: permission denied (reading a disk needs read access to it: run as root, or as a member of the group that owns it, e.g. "disk")`, 'converter.permission');
    }
    throw new ConverterError(`${file}: cannot open the source: ${code ?? String(err)}`, 'converter.io');
  }
}
