// host.* — facts about one vmdesk host (an ESX host's Summary tab).

export interface HostInfo {
  /** Host name as the OS reports it. */
  readonly name: string;
  readonly cpuModel: string;
  /** Logical processors. */
  readonly cpuCores: number;
  readonly memoryBytes: number;
  readonly vmdeskVersion: string;
  /** Seconds since the host agent started. */
  readonly uptimeSeconds: number;
  /** Operating system of the machine under the host, e.g. "Linux 6.1.0 x64". */
  readonly platform: string;
}

/** One sample of host load, taken by the host's stats sampler. */
export interface HostStats {
  /** Milliseconds since the epoch. */
  readonly time: number;
  /** Busy share of all logical processors over the last interval, 0..100. */
  readonly cpuPercent: number;
  readonly memoryUsedBytes: number;
  readonly memoryBytes: number;
}
