// One policy system in the pod-egress position of the node namespace: the allowlist of the
// benchmark's pod, held by iptables, ipset, nftables or our eBPF datapath. Only one is installed
// in a test bed at a time, and each bed lives for one (system, N) pair, so no hook, set, map or
// conntrack entry of one measurement is there in the next.
import { execFileSync } from 'node:child_process';

export type SystemName = 'ebpf' | 'iptables' | 'ipset' | 'nftables';

export interface PolicySystem {
  readonly name: SystemName;
  /** Replaces the allowlist with `addresses` in this order (the traffic's target comes last). */
  install(addresses: readonly string[]): void;
  /** Adds addresses the way the tool applies an incremental change; returns milliseconds. */
  add(addresses: readonly string[]): number;
  remove(addresses: readonly string[]): void;
  /** Removes every object the system created; the bed's namespaces go afterwards anyway. */
  teardown(): void;
}

/** Where the benchmark's pod hangs off the node: its host-side veth, in the node namespace. */
export interface EgressPoint {
  nodeNetns: string;
  hostIf: string;
}

/**
 * Runs a firewall tool in the node namespace. nsenter --net only switches the network namespace
 * (ip netns exec would also build a mount namespace and cost a few ms more per call), so the
 * timing is the tool's own work plus one process start, which is how agents drive these tools.
 */
export function tool(netns: string, cmd: string, args: readonly string[], input?: string): void {
  try {
    execFileSync('nsenter', [`--net=/run/netns/${netns}`, cmd, ...args], { input, stdio: ['pipe', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  } catch (err) {
    const e = err as { stderr?: Buffer; status?: number };
    throw new Error(`${cmd} ${args.join(' ')} in ${netns}: exit ${e.status ?? '?'}: ${(e.stderr?.toString() ?? '').trim().slice(0, 500)}`, { cause: err });
  }
}

export function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
