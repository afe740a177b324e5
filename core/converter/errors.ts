// Errors of core/converter. Each message starts with the file or source it is about and says
// which check failed ("vm.ova: disk1.vmdk: SHA256 does not match vm.mf").
import { VmdeskError } from '../common';

/** The API error code of each reason (core/api ApiErrorCode; 'usage' becomes bad-request). */
function apiCode(reason: string): string {
  if (reason === 'usage') return 'usage';
  if (/\.(exists|cancelled)$/.test(reason)) return 'conflict';
  if (/\.(io)$/.test(reason)) return 'not-found';
  if (/\.(auth|permission)$/.test(reason)) return 'forbidden';
  if (/\.(connection|dependency|tool)$/.test(reason)) return 'unavailable';
  if (reason === 'converter') return 'internal';
  return 'bad-request'; // corrupt, tampered, truncated or unsupported input
}

export class ConverterError extends VmdeskError {
  /** What went wrong, finer than the API code: "converter.manifest", "converter.connection"… */
  readonly reason: string;

  constructor(message: string, reason = 'converter', options?: { cause?: unknown }) {
    super(apiCode(reason), message, options);
    this.reason = reason;
  }
}

/** The user (or an API caller) cancelled the conversion. */
export class ConversionCancelledError extends ConverterError {
  constructor(what: string) {
    super(`${what}: cancelled`, 'converter.cancelled');
  }
}

export function checkCancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new ConversionCancelledError(what);
}
