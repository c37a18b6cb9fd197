// What turning a datapath event into a Hubble flow needs to know beyond the event itself. The
// pipeline provides it from its endpoint table and FQDN cache; tests pass plain objects.
import type { Labels } from '../events.js';

export interface EndpointInfo {
  id: number;
  name: string;
  namespace: string;
  labels: Labels;
  ipv4?: string | null;
  ipv6?: string | null;
  /** Security identity, when the agent assigns them (omitted from the flow when absent). */
  identity?: number;
}

export interface FlowContext {
  /** `cluster/node` or just the node name: goes to node_name. */
  nodeName: string;
  endpointById(id: number): EndpointInfo | undefined;
  /** For destinations that are local endpoints too; absent means "not an endpoint". */
  endpointByIp?(ip: string): EndpointInfo | undefined;
  /** DNS names the FQDN cache holds for (endpoint, ip), without trailing dots. */
  namesForIp(endpointId: number, ip: string): readonly string[];
  /** CLOCK_BOOTTIME + this = epoch ns (datapath timestamps are boot time). */
  bootTimeOffsetNs: bigint;
  interfaceName?(ifindex: number): string | undefined;
}

/** The offset between CLOCK_BOOTTIME (bpf_ktime_get_boot_ns) and the wall clock, measured now. */
export function measureBootTimeOffsetNs(): bigint {
  // process.hrtime is CLOCK_MONOTONIC, which stops during suspend while BOOTTIME does not; on a
  // server that never sleeps the two agree. /proc/uptime is BOOTTIME but only to 10 ms.
  const wallNs = BigInt(Date.now()) * 1_000_000n;
  return wallNs - process.hrtime.bigint();
}
