// The typed error of VM operations (its code maps to the API's error codes).
import { VmdeskError } from '../../common';

export class VmError extends VmdeskError {}
