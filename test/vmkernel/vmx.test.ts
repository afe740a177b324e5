import { describe, expect, it } from 'vitest';
import { VmxFile, readVmConfig, writeVmConfig, type VmConfig } from '../../core/vmkernel/vmx';

// As VMware Workstation writes one (trimmed), with a comment and a key we do not know.
const workstation = `.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "4"
# a comment kept on rewrite
displayName = "Debian |22test|22"
memsize = "512"
numvcpus = "1"
guestOS = "debian12"
ide0:0.present = "TRUE"
ide0:0.fileName = "Debian.vmdk"
ide1:0.present = "TRUE"
ide1:0.fileName = "debian-12.iso"
ide1:0.deviceType = "cdrom-image"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "e1000"
ethernet0.networkName = "VM Network"
ethernet0.generatedAddress = "00:0c:29:ab:cd:ef"
serial0.present = "TRUE"
serial0.fileType = "file"
serial0.fileName = "serial.log"
tools.syncTime = "FALSE"
`;

describe('.vmx files', () => {
  it('reads VMware’s keys, case-insensitively, with |XX escapes', () => {
    const vmx = VmxFile.parse(workstation, 'Debian.vmx');
    expect(vmx.get('DISPLAYNAME')).toBe('Debian "test"');
    const c = readVmConfig(vmx);
    expect(c).toMatchObject({ displayName: 'Debian "test"', memoryMB: 512, cpus: 1, guestOS: 'debian12' });
    expect(c.ide).toEqual([
      { slot: 'ide0:0', type: 'disk', fileName: 'Debian.vmdk' },
      { slot: 'ide1:0', type: 'cdrom', fileName: 'debian-12.iso' },
    ]);
    expect(c.ethernet).toEqual([{ index: 0, virtualDev: 'e1000', networkName: 'VM Network', macAddress: '00:0c:29:ab:cd:ef' }]);
    expect(c.serial).toEqual([{ index: 0, fileType: 'file', fileName: 'serial.log' }]);
  });

  it('keeps comments, order and unknown keys when rewritten', () => {
    const vmx = VmxFile.parse(workstation, 'Debian.vmx');
    const c = readVmConfig(vmx);
    writeVmConfig(vmx, { ...c, memoryMB: 1024 });
    const text = vmx.toString();
    expect(text).toContain('# a comment kept on rewrite');
    expect(text).toContain('tools.syncTime = "FALSE"');
    expect(text).toContain('memsize = "1024"');
    expect(text).toContain('displayName = "Debian |22test|22"');
    expect(text.indexOf('displayName')).toBeLessThan(text.indexOf('memsize'));
    expect(readVmConfig(VmxFile.parse(text, 'Debian.vmx'))).toEqual({ ...c, memoryMB: 1024 });
  });

  it('round-trips a direct-kernel-boot VM of ours', () => {
    const config: VmConfig = {
      displayName: 'tiny',
      memoryMB: 128,
      cpus: 1,
      guestOS: 'other26xlinux',
      ide: [{ slot: 'ide0:0', type: 'disk', fileName: 'tiny.vmdk' }],
      serial: [{ index: 0, fileType: 'console' }],
      ethernet: [],
      kernelBoot: { kernel: '/boot/vmlinuz', initrd: '/boot/initrd.img', append: 'console=ttyS0 quiet' },
      cpuShares: 2000,
    };
    const vmx = VmxFile.empty('tiny.vmx');
    writeVmConfig(vmx, config);
    const text = vmx.toString();
    expect(text.split('\n')[0]).toBe('.encoding = "UTF-8"');
    expect(readVmConfig(VmxFile.parse(text, 'tiny.vmx'))).toEqual(config);
  });

  it.each([
    ['displayName = "x"\nmemsize = "lots"\n', 'bad.vmx: memsize = "lots" must be a whole number from 4 to 3584'],
    ['displayName = "x"\nmemsize = "999999"\n', 'bad.vmx: memsize = "999999" must be a whole number from 4 to 3584'],
    ['memsize = "64"\n', 'bad.vmx: displayName is missing'],
    ['displayName = "x"\nthis is not a vmx line\n', 'bad.vmx: line 2: expected key = "value", found "this is not a vmx line"'],
    ['displayName = "x"\nide0:0.present = "TRUE"\n', 'bad.vmx: ide0:0.fileName is missing for a present disk'],
    ['\0\0\0KDMV', 'bad.vmx: this is not a .vmx text file (it holds NUL bytes)'],
  ])('rejects malformed input with one line naming the file and field: %j', (text, message) => {
    expect(() => readVmConfig(VmxFile.parse(text, 'bad.vmx'))).toThrow(message);
  });
});
