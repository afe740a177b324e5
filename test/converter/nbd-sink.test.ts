// The NBD sink that qemu-img writes foreign images into: a client that breaks the protocol
// gets a one-line reason and the disk stays untouched; a write our disk refuses makes the
// conversion fail with our reason, not only qemu-img's.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NbdSink } from '../../core/converter/disk/nbd-sink';
import { qemuConvertInto } from '../../core/converter/disk/qemu-img';
import { VmdkDisk, createVmdk } from '../../core/storage';
import { makeRawDisk, qemuImg, tempDir } from './helpers';

let dir: string;
let qcow: string;

beforeAll(() => {
  dir = tempDir('converter-nbd');
  const { disk } = makeRawDisk(dir, 16);
  qcow = path.join(dir, 'src.qcow2');
  qemuImg('convert', '-O', 'qcow2', disk, qcow);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function newDisk(name: string, readOnly = false): VmdkDisk {
  const file = path.join(dir, name);
  createVmdk(file, { sizeBytes: 16 << 20, subformat: 'monolithicSparse', provisioning: 'thin' });
  return VmdkDisk.open(file, { readOnly });
}

describe('NbdSink', () => {
  it('a client that sends no NBD handshake gets a one-line reason; nothing is written', async () => {
    const disk = newDisk('garbage.vmdk');
    const sink = await NbdSink.listen(disk);
    try {
      const c = net.connect(sink.socketPath);
      c.on('error', () => {});
      c.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      await expect(sink.finished).rejects.toThrow(/^nbd: the client does not speak the fixed newstyle handshake$/);
      c.destroy();
      expect(disk.allocationRun(0 as never, disk.sectorCount)).toMatchObject({ allocated: false, sectors: disk.sectorCount });
    } finally {
      sink.close();
      disk.dispose();
    }
    // The socket's folder is gone.
    expect(fs.existsSync(path.dirname(sink.socketPath))).toBe(false);
  });

  it('a write the disk refuses fails the conversion with the disk\'s reason', async () => {
    const disk = newDisk('readonly.vmdk', true);
    try {
      const err = await qemuConvertInto(qcow, 'qcow2', disk).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/src\.qcow2: writing the converted disk failed: .*readonly\.vmdk: opened read-only/);
    } finally {
      disk.dispose();
    }
  });
});
