// The one error type of the boot loaders: "<file>: <what is wrong>", one line, no stack
// needed by the person reading it.
import { VmdeskError } from '../../../common';

export class BootError extends VmdeskError {
  constructor(message: string) {
    super('boot', message);
  }
}
