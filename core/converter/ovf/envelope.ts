// OVF 1.x envelopes (DSP0243): reading References, DiskSection, NetworkSection and the first
// VirtualSystem's VirtualHardwareSection into the hardware of a vmdesk VM, and writing one for
// export. RASD ResourceType (CIM_ResourceAllocationSettingData): 3 processor, 4 memory, 5 IDE
// controller, 6 parallel SCSI HBA, 10 ethernet, 15/16 CD/DVD, 17 disk drive, 20 other storage.
import { ConverterError } from '../errors';
import type { TargetHardware, TargetNic } from '../vm-folder';
import { attr, child, children, escapeXml, local, parseXml, type XmlElement } from './xml';

export interface OvfFileRef {
  readonly id: string;
  readonly href: string;
  readonly size?: number;
}

export interface OvfDisk {
  readonly diskId: string;
  readonly file: OvfFileRef;
  readonly capacityBytes: number;
}

export interface OvfEnvelope {
  readonly name: string;
  readonly files: readonly OvfFileRef[];
  /** In the order the VM attaches them. */
  readonly disks: readonly OvfDisk[];
  readonly hardware: Partial<TargetHardware>;
}

/** "byte * 2^20" → 2^20; "MegaBytes" → 2^20; absent → `fallback`. */
export function allocationUnits(units: string | undefined, fallback: number, file: string): number {
  if (!units) return fallback;
  const u = units.replace(/\s+/g, '').toLowerCase();
  const named: Record<string, number> = { byte: 1, bytes: 1, kilobytes: 2 ** 10, megabytes: 2 ** 20, gigabytes: 2 ** 30, kb: 2 ** 10, mb: 2 ** 20, gb: 2 ** 30 };
  if (named[u] !== undefined) return named[u]!;
  const m = /^byte(?:\*(\d+)\^(\d+))?(?:\*(\d+))?$/.exec(u);
  if (!m) throw new ConverterError(`${file}: allocation units "${units}" are not understood`, 'converter.ovf');
  return (m[1] ? Number(m[1]) ** Number(m[2]) : 1) * (m[3] ? Number(m[3]) : 1);
}

const rasd = (item: XmlElement, name: string): string | undefined => child(item, name)?.text.trim();

export function parseEnvelope(text: string, file: string): OvfEnvelope {
  const root = parseXml(text, file);
  if (local(root.name) !== 'Envelope') throw new ConverterError(`${file}: the root element is <${root.name}>, not an OVF <Envelope>`, 'converter.ovf');
  const files: OvfFileRef[] = children(child(root, 'References') ?? root, 'File').map((f) => {
    const id = attr(f, 'id');
    const href = attr(f, 'href');
    if (!id || !href) throw new ConverterError(`${file}: References/File needs ovf:id and ovf:href`, 'converter.ovf');
    if (href.includes('/') || href.includes('\\') || href.startsWith('.')) throw new ConverterError(`${file}: File ${id}: href "${href}" must name a file next to the envelope`, 'converter.ovf');
    const size = attr(f, 'size');
    return { id, href, ...(size ? { size: Number(size) } : {}) };
  });
  const diskById = new Map<string, OvfDisk>();
  for (const d of children(child(root, 'DiskSection') ?? root, 'Disk')) {
    const diskId = attr(d, 'diskId');
    const fileRef = attr(d, 'fileRef');
    const cap = Number(attr(d, 'capacity'));
    const ref = files.find((f) => f.id === fileRef);
    if (!diskId || !ref) throw new ConverterError(`${file}: Disk ${diskId ?? '?'}: fileRef "${fileRef ?? ''}" names no File in References`, 'converter.ovf');
    if (!Number.isFinite(cap) || cap <= 0) throw new ConverterError(`${file}: Disk ${diskId}: capacity "${attr(d, 'capacity')}" is not a positive number`, 'converter.ovf');
    diskById.set(diskId, { diskId, file: ref, capacityBytes: cap * allocationUnits(attr(d, 'capacityAllocationUnits'), 1, file) });
  }
  const vs = child(root, 'VirtualSystem') ?? child(child(root, 'VirtualSystemCollection') ?? root, 'VirtualSystem');
  if (!vs) throw new ConverterError(`${file}: no VirtualSystem in the envelope`, 'converter.ovf');
  const name = child(vs, 'Name')?.text.trim() || attr(vs, 'id') || 'imported';
  const hw = child(vs, 'VirtualHardwareSection');
  if (!hw) throw new ConverterError(`${file}: VirtualSystem ${name} has no VirtualHardwareSection`, 'converter.ovf');
  const items = children(hw, 'Item');
  const controllers = new Map<string, number>();
  let memoryMB: number | undefined;
  let cpus: number | undefined;
  const nics: TargetNic[] = [];
  const placed: { key: number[]; disk: OvfDisk }[] = [];
  items.forEach((item) => {
    const type = Number(rasd(item, 'ResourceType'));
    const id = rasd(item, 'InstanceID') ?? '';
    const qty = Number(rasd(item, 'VirtualQuantity'));
    if (type === 3) cpus = qty;
    else if (type === 4) memoryMB = Math.round((qty * allocationUnits(rasd(item, 'AllocationUnits'), 2 ** 20, file)) / 2 ** 20);
    else if (type === 5 || type === 6 || type === 20) controllers.set(id, (type === 5 ? 0 : type === 20 ? 1 : 2) * 100 + Number(rasd(item, 'Address') ?? 0));
    else if (type === 10) nics.push({ networkName: rasd(item, 'Connection') || 'VM Network' });
  });
  items.forEach((item, order) => {
    if (Number(rasd(item, 'ResourceType')) !== 17) return;
    const host = rasd(item, 'HostResource') ?? '';
    const m = /^ovf:\/(?:disk|file)\/(.+)$/.exec(host);
    const disk = m ? diskById.get(m[1]!) : undefined;
    if (!disk) throw new ConverterError(`${file}: disk drive "${rasd(item, 'ElementName') ?? `InstanceID ${rasd(item, 'InstanceID') ?? order}`}": HostResource "${host}" names no Disk in DiskSection`, 'converter.ovf');
    const ctrl = controllers.get(rasd(item, 'Parent') ?? '') ?? 999;
    placed.push({ key: [ctrl, Number(rasd(item, 'AddressOnParent') ?? 0), order], disk });
  });
  placed.sort((a, b) => a.key[0]! - b.key[0]! || a.key[1]! - b.key[1]! || a.key[2]! - b.key[2]!);
  const os = child(vs, 'OperatingSystemSection');
  const guestOS = os ? attr(os, 'osType') : undefined;
  return {
    name,
    files,
    disks: placed.map((p) => p.disk),
    hardware: { ...(memoryMB ? { memoryMB } : {}), ...(cpus ? { cpus } : {}), ...(guestOS ? { guestOS } : {}), ...(nics.length ? { nics } : {}) },
  };
}

export interface EnvelopeSpec {
  readonly name: string;
  readonly hardware: TargetHardware;
  readonly disks: readonly { href: string; fileSize: number; capacityBytes: number; populatedBytes?: number }[];
}

/** An OVF 1.0 envelope as VMware's ovftool writes one (streamOptimized disks on one IDE controller). */
export function formatEnvelope(s: EnvelopeSpec): string {
  const x = escapeXml;
  const nets = [...new Set(s.hardware.nics.map((n) => n.networkName))];
  let inst = 1;
  const item = (body: string): string => `      <Item>\n${body}      </Item>\n`;
  const r = (k: string, v: string | number): string => `        <rasd:${k}>${x(String(v))}</rasd:${k}>\n`;
  let items = '';
  items += item(r('AllocationUnits', 'hertz * 10^6') + r('Description', 'Number of Virtual CPUs') + r('ElementName', `${s.hardware.cpus} virtual CPU(s)`) + r('InstanceID', inst++) + r('ResourceType', 3) + r('VirtualQuantity', s.hardware.cpus));
  items += item(r('AllocationUnits', 'byte * 2^20') + r('Description', 'Memory Size') + r('ElementName', `${s.hardware.memoryMB}MB of memory`) + r('InstanceID', inst++) + r('ResourceType', 4) + r('VirtualQuantity', s.hardware.memoryMB));
  const ide = [inst++, inst++];
  ide.forEach((id, n) => (items += item(r('Address', n) + r('Description', `IDE Controller ${n}`) + r('ElementName', `ideController${n}`) + r('InstanceID', id) + r('ResourceType', 5))));
  s.disks.forEach((_, i) => {
    items += item(r('AddressOnParent', i % 2) + r('ElementName', `Hard disk ${i + 1}`) + r('HostResource', `ovf:/disk/vmdisk${i + 1}`) + r('InstanceID', inst++) + r('Parent', ide[i >> 1]!) + r('ResourceType', 17));
  });
  s.hardware.nics.forEach((n, i) => {
    items += item(r('AddressOnParent', i) + r('AutomaticAllocation', 'true') + r('Connection', n.networkName) + r('ElementName', `ethernet${i}`) + r('InstanceID', inst++) + r('ResourceSubType', !n.virtualDev || n.virtualDev === 'e1000' ? 'E1000' : n.virtualDev) + r('ResourceType', 10));
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<Envelope vmw:buildId="vmdesk" xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vmw="http://www.vmware.com/schema/ovf" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <References>
${s.disks.map((d, i) => `    <File ovf:href="${x(d.href)}" ovf:id="file${i + 1}" ovf:size="${d.fileSize}"/>\n`).join('')}  </References>
  <DiskSection>
    <Info>Virtual disk information</Info>
${s.disks.map((d, i) => `    <Disk ovf:capacity="${d.capacityBytes}" ovf:capacityAllocationUnits="byte" ovf:diskId="vmdisk${i + 1}" ovf:fileRef="file${i + 1}" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"${d.populatedBytes !== undefined ? ` ovf:populatedSize="${d.populatedBytes}"` : ''}/>\n`).join('')}  </DiskSection>
  <NetworkSection>
    <Info>The list of logical networks</Info>
${nets.map((n) => `    <Network ovf:name="${x(n)}">\n      <Description>The ${x(n)} network</Description>\n    </Network>\n`).join('')}  </NetworkSection>
  <VirtualSystem ovf:id="${x(s.name)}">
    <Info>A virtual machine</Info>
    <Name>${x(s.name)}</Name>
    <OperatingSystemSection ovf:id="36" vmw:osType="${x(s.hardware.guestOS)}">
      <Info>The kind of installed guest operating system</Info>
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>${x(s.name)}</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>vmx-04</vssd:VirtualSystemType>
      </System>
${items}    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
`;
}
