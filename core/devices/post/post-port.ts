// The POST diagnostic port 0x80: firmware and kernels write progress codes (Linux also uses
// it as a short I/O delay). Records the last code and tells an optional listener.
import type { AccessSize, PortDevice } from '../../bus';
import { checkState, stateNumber } from '../types';

export const POST_STATE_VERSION = 1;
export interface PostPortState {
  version: typeof POST_STATE_VERSION;
  lastCode: number;
}

export class PostCodePort implements PortDevice {
  private code = 0;

  constructor(private readonly onCode?: (code: number) => void) {}

  get lastCode(): number {
    return this.code;
  }

  readPort(_offset: number, size: AccessSize): number {
    // Reads return the last code on boards that latch it; wider reads repeat it per byte.
    return size === 1 ? this.code : size === 2 ? this.code * 0x101 : (this.code * 0x01010101) >>> 0;
  }

  writePort(_offset: number, _size: AccessSize, value: number): void {
    this.code = value & 0xff;
    this.onCode?.(this.code);
  }

  save(): PostPortState {
    return { version: POST_STATE_VERSION, lastCode: this.code };
  }

  restore(state: PostPortState): void {
    checkState('post', state, POST_STATE_VERSION);
    this.code = stateNumber('post', state, 'lastCode') & 0xff;
  }
}
