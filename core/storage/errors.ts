// Errors of core/storage. Every message starts with the file it is about and names the field,
// so a person can act on it: "disk.vmdk: header.grainSize = 3: not a power of two".
import { VmdeskError } from '../common';

export class StorageError extends VmdeskError {
  constructor(message: string, code = 'storage', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A disk image whose bytes contradict its format: hostile or damaged input. */
export class CorruptImageError extends StorageError {
  constructor(
    readonly file: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${file}: ${field}: ${detail}`, 'storage.corrupt');
  }
}

/** The operation is valid in general but not for this image (read-only, unsupported subformat). */
export class UnsupportedImageError extends StorageError {
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`, 'storage.unsupported');
  }
}

/** A lock is held by another host or process. */
export class LockedError extends StorageError {
  constructor(message: string) {
    super(message, 'storage.locked');
  }
}

export const corrupt = (file: string, field: string, detail: string): CorruptImageError =>
  new CorruptImageError(file, field, detail);
