// DES against published vectors, and the VNC key quirk (bit-reversed password bytes).
import { describe, expect, it } from 'vitest';
import { desEncryptBlock, vncKey } from '../../../core/server/rfb';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('DES for VNC Authentication', () => {
  it('matches known DES test vectors', () => {
    expect(toHex(desEncryptBlock(hex('133457799bbcdff1'), hex('0123456789abcdef')))).toBe('85e813540f0ab405');
    expect(toHex(desEncryptBlock(hex('0e329232ea6d0d73'), hex('8787878787878787')))).toBe('0000000000000000');
    expect(toHex(desEncryptBlock(hex('0000000000000000'), hex('0000000000000000')))).toBe('8ca64de9c1b123a7');
  });

  it('uses the password bit-reversed, truncated to 8 bytes and zero-padded', () => {
    expect(toHex(vncKey('a'))).toBe('8600000000000000'); // 'a' = 0x61 = 01100001 → 10000110
    expect(toHex(vncKey('passwordEXTRA'))).toBe(toHex(vncKey('password')));
  });
});
