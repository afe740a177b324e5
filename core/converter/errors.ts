// Errors of core/converter. Each message starts with the file or source it is about and says
// which check failed ("vm.ova: disk1.vmdk: SHA256 does not match vm.mf").
import { VmdeskError } from '../common';

export class ConverterError extends VmdeskError {
  constructor(message: string, code = 'converter', options?: { cause?: unknown }) {
    super(code, message, options);
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
