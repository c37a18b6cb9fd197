// Benchmark: our eBPF allowlist side by side with an iptables chain, an ipset set and an nftables
// set, each in the pod-egress position of the namespace test bed and holding the same N addresses
// (N = 100, 1k, 10k, 100k) with the world server last. Per system and N (policyScale/measureOne.ts),
// each pair in a test bed of its own, measured in interleaved rounds:
//   - pps: 64-byte UDP packets through the node where every packet is a new flow, so every
//     system makes a policy decision per packet (the chain is walked to its last rule);
//   - ppsStream: the same packets as one iperf3 stream: after iperf3's handshake every system
//     passes them on conntrack (the ESTABLISHED rule, our conntrack map), so this one shows the
//     base cost of each path, not the allowlist;
//   - connPerSec: TCP connect, one request, close (the SYN is the packet the policy judges);
//   - firstPacketP50Us/P99Us: round trip of the first datagram of fresh UDP flows to an echo
//     server, as seen by the pod: the first-packet path plus the unchanged rest of the stack;
//   - update1Ms/update10kMs: adding 1 and 10k addresses with each system's own incremental tool
//     (iptables-legacy-restore --noflush, ipset restore, nft -f) or Datapath.applyAllowlist.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Measurement, toolStartMs, type MeasureOptions, type Row } from './policyScale/measureOne.js';
import { plotSvg } from './policyScale/plot.js';
import type { SystemName } from './policyScale/system.js';
import { TARGET } from './policyScale/traffic.js';

export const resultName = 'policy-scale';

const SYSTEMS: SystemName[] = ['ebpf', 'iptables', 'ipset', 'nftables'];
const SIZES = [100, 1_000, 10_000, 100_000];
const UPDATE_REPEATS = 3;
const svgPath = fileURLToPath(new URL('../../bench/results/policy-scale.svg', import.meta.url));

export interface PolicyScaleResult {
  results: Row[];
  targets: Record<string, { value: number; met: boolean; rule: string }>;
  setup: Record<string, string | number>;
}

/** (max - min) / max of one figure of one system across N: 0 is perfectly flat. */
function spread(rows: Row[], key: keyof Row): number {
  const xs = rows.map((r) => r[key] as number);
  return Math.round(((Math.max(...xs) - Math.min(...xs)) / Math.max(...xs)) * 1000) / 1000;
}

function targets(rows: Row[]): PolicyScaleResult['targets'] {
  const at = (s: SystemName, n: number): Row | undefined => rows.find((r) => r.system === s && r.n === n);
  const out: PolicyScaleResult['targets'] = {};
  const e10k = at('ebpf', 10_000);
  const ratio = (other: SystemName): number | undefined => {
    const o = at(other, 10_000);
    return e10k && o ? Math.round((e10k.pps / o.pps) * 100) / 100 : undefined;
  };
  const vsIptables = ratio('iptables');
  if (vsIptables !== undefined) out.ppsVsIptablesAt10k = { value: vsIptables, met: vsIptables >= 10, rule: 'ebpf pps / iptables pps at N=10k >= 10' };
  for (const s of ['ipset', 'nftables'] as const) {
    const r = ratio(s);
    if (r !== undefined) out[`ppsVs${s}At10k`] = { value: r, met: r >= 1, rule: `ebpf pps / ${s} pps at N=10k >= 1` };
  }
  const ours = rows.filter((r) => r.system === 'ebpf');
  if (ours.length > 1) {
    for (const key of ['pps', 'ppsStream', 'connPerSec', 'firstPacketP50Us', 'firstPacketP99Us', 'update1Ms', 'update10kMs'] as const) {
      const v = spread(ours, key);
      out[`flatness_${key}`] = { value: v, met: v <= 0.1, rule: `ebpf ${key}: (max - min) / max over N <= 0.10` };
    }
  }
  const worst = Math.max(...ours.map((r) => r.update10kMs));
  if (ours.length > 0) out.update10kUnder50Ms = { value: worst, met: worst < 50, rule: 'ebpf update10kMs < 50 at every N (worst shown)' };
  return out;
}

export async function run(options: Partial<MeasureOptions> & { systems?: SystemName[]; sizes?: number[] } = {}): Promise<PolicyScaleResult> {
  const o: MeasureOptions = { seconds: options.seconds ?? 1, runs: options.runs ?? 5, probes: options.probes ?? 400, connParallel: options.connParallel ?? 4 };
  const pairs: Measurement[] = [];
  let rows: Row[];
  try {
    for (const n of options.sizes ?? SIZES) {
      for (const system of options.systems ?? SYSTEMS) pairs.push(await Measurement.start(system, n));
    }
    // rounds go over all pairs in turn, so that load from anything else on this shared machine
    // falls on every system and every N alike instead of on whichever ran at the time
    for (let r = 0; r < o.runs; r++) {
      process.stdout.write(`policy-scale: round ${r + 1} of ${o.runs}\n`);
      for (const m of pairs) await m.round(o);
    }
    for (const m of pairs) m.updates(UPDATE_REPEATS);
    rows = pairs.map((m) => m.row());
  } finally {
    // every pair is stopped even if one fails; the first error is the one reported
    let first: unknown;
    for (const m of pairs) {
      try {
        m.stop();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }
  mkdirSync(new URL('.', `file://${svgPath}`), { recursive: true });
  writeFileSync(svgPath, plotSvg('Pod egress allowlist: eBPF vs iptables, ipset, nftables', rows, [
    { key: 'pps', title: 'new-flow UDP packets/s (higher is better)' },
    { key: 'connPerSec', title: 'TCP connections/s (higher is better)' },
    { key: 'firstPacketP99Us', title: 'first-packet round trip p99, µs (lower is better)' },
    { key: 'update10kMs', title: 'adding 10k addresses, ms (lower is better)' },
  ]));
  return {
    results: rows,
    targets: targets(rows),
    setup: {
      target: `${TARGET}: the last of the N addresses in every list (the chain's last ACCEPT before DROP)`,
      iptables: `${execFileSync('iptables', ['--version'], { encoding: 'utf8' }).trim()} is the default here; the chain and the ipset rule use iptables-legacy (${execFileSync('iptables-legacy', ['--version'], { encoding: 'utf8' }).trim()})`,
      toolStartMs: toolStartMs(),
      seconds: o.seconds,
      runs: o.runs,
      probes: o.probes,
      connParallel: o.connParallel,
      plot: 'bench/results/policy-scale.svg',
    },
  };
}
