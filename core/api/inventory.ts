// inventory.* — the VirtualCenter tree: datacenter → hosts → VMs, datastores, networks.

export type InventoryKind = 'datacenter' | 'host' | 'vm' | 'datastore' | 'network';

export type VmPowerState = 'poweredOff' | 'poweredOn' | 'suspended';

export interface VmSummary {
  readonly id: string;
  readonly name: string;
  readonly powerState: VmPowerState;
}

export interface DatastoreSummary {
  readonly id: string;
  readonly name: string;
  /** Directory on the host that holds the datastore. */
  readonly path: string;
  readonly capacityBytes: number;
  readonly freeBytes: number;
  /** False when the directory is missing or unreadable; the message says why. */
  readonly accessible: boolean;
  readonly problem?: string;
}

export interface NetworkSummary {
  readonly id: string;
  readonly name: string;
}

export interface HostNode {
  readonly id: string;
  readonly name: string;
  readonly vms: readonly VmSummary[];
  readonly datastores: readonly DatastoreSummary[];
  readonly networks: readonly NetworkSummary[];
}

export interface InventoryTree {
  readonly datacenter: { readonly id: string; readonly name: string };
  readonly hosts: readonly HostNode[];
}
