// The VMDK descriptor: every field parsed, unknown keys kept, written back losslessly.
import { describe, expect, it } from 'vitest';
import { formatDescriptor, parseDescriptor } from '../../core/storage';

const vmware = `# Disk DescriptorFile
version=1
encoding="UTF-8"
CID=fb183c20
parentCID=ffffffff
isNativeSnapshot="no"
createType="twoGbMaxExtentFlat"
someFutureKey="kept"

# Extent description
RW 4192256 FLAT "win-f001.vmdk" 0
RW 4192256 FLAT "win-f002.vmdk" 0
RDONLY 1024 ZERO
NOACCESS 2048 FLAT "win-f003.vmdk" 512

# The Disk Data Base
#DDB

ddb.adapterType = "lsilogic"
ddb.geometry.cylinders = "1044"
ddb.geometry.heads = "255"
ddb.geometry.sectors = "63"
ddb.longContentID = "a1b7d4bfe4fd4b1fe2fd8bc2fb183c20"
ddb.toolsInstallType = "1"
ddb.toolsVersion = "12352"
ddb.uuid = "60 00 C2 9b 3f 3e 2e 4c-a3 b9 5e c1 10 0a 0b 21"
ddb.virtualHWVersion = "19"
`;

describe('VMDK descriptor', () => {
  it('parses every field of a VMware descriptor', () => {
    const d = parseDescriptor(vmware, 'win.vmdk');
    expect(d).toMatchObject({ version: 1, encoding: 'UTF-8', cid: 0xfb183c20, parentCid: 0xffffffff, isNativeSnapshot: 'no', createType: 'twoGbMaxExtentFlat' });
    expect(d.extents).toEqual([
      { access: 'RW', sectors: 4192256, type: 'FLAT', file: 'win-f001.vmdk', offset: 0 },
      { access: 'RW', sectors: 4192256, type: 'FLAT', file: 'win-f002.vmdk', offset: 0 },
      { access: 'RDONLY', sectors: 1024, type: 'ZERO', offset: 0 },
      { access: 'NOACCESS', sectors: 2048, type: 'FLAT', file: 'win-f003.vmdk', offset: 512 },
    ]);
    expect(d.ddb.get('ddb.geometry.heads')).toBe('255');
    expect(d.ddb.get('ddb.uuid')).toBe('60 00 C2 9b 3f 3e 2e 4c-a3 b9 5e c1 10 0a 0b 21');
    expect([...d.ddb.keys()]).toHaveLength(9);
    expect(d.extra.get('someFutureKey')).toBe('kept');
  });

  it('writes back what it read, field for field', () => {
    const d = parseDescriptor(vmware, 'win.vmdk');
    const again = parseDescriptor(formatDescriptor(d), 'win.vmdk');
    expect(again).toEqual(d);
    expect(formatDescriptor(again)).toBe(formatDescriptor(d));
  });

  it('parses a delta with parentFileNameHint, CRLF line ends and NUL padding', () => {
    const text = 'version=1\r\nCID=0000abcd\r\nparentCID=12345678\r\ncreateType="vmfsSparse"\r\nparentFileNameHint="base.vmdk"\r\nRW 2048 VMFSSPARSE "d-delta.vmdk"\r\n\0\0\0\0';
    const d = parseDescriptor(text, 'd.vmdk');
    expect(d).toMatchObject({ cid: 0xabcd, parentCid: 0x12345678, parentFileNameHint: 'base.vmdk', createType: 'vmfsSparse' });
    expect(d.extents[0]).toEqual({ access: 'RW', sectors: 2048, type: 'VMFSSPARSE', file: 'd-delta.vmdk', offset: 0 });
  });

  it('names the file and line of what is wrong', () => {
    expect(() => parseDescriptor('createType="vmfs"\nRW 10 VMFS "x" junk', 'a.vmdk')).toThrow('a.vmdk: descriptor line 2 (extent): offset "junk" is not a sector number');
    expect(() => parseDescriptor('createType="monolithicSparse"\nRW 10 SPARSE "x" 7', 'a.vmdk')).toThrow('extent type SPARSE takes no offset');
    expect(() => parseDescriptor('createType="monolithicSparse"\nRW 10 SPARSE "a"\nRW 10 SPARSE "b"', 'a.vmdk')).toThrow('monolithicSparse has exactly one extent, found 2');
  });
});
