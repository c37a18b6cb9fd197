// One (system, N) pair in a test bed of its own: the allowlist installed once, then measured in
// rounds (policyScale.ts interleaves the rounds of all pairs), then the timed changes, and at the
// end everything taken down again, also when a step fails.
import { readFileSync } from 'node:fs';
import { Testbed, PeerServer, run } from '../../testbed/index.js';
import { allowlist, changeAddresses } from './addresses.js';
import { EbpfAllowlist } from './ebpfAllowlist.js';
import { IpsetMatch } from './ipsetMatch.js';
import { IptablesChain } from './iptablesChain.js';
import { NftSet } from './nftSet.js';
import { timed, type EgressPoint, type PolicySystem, type SystemName } from './system.js';
import {
  TARGET, TCP_PORT, UDP_PORT, connPerSec, firstPacketUs, median, newFlowPps, percentile, podSysctls, streamPps,
} from './traffic.js';

export interface Row {
  system: SystemName;
  n: number;
  /** Small UDP packets/s through the node, every packet a new flow (a policy decision each). */
  pps: number;
  /** Small UDP packets/s of one iperf3 stream, which every system passes on conntrack. */
  ppsStream: number;
  connPerSec: number;
  firstPacketP50Us: number;
  firstPacketP99Us: number;
  update1Ms: number;
  update10kMs: number;
  installMs: number;
  /** Probes and connections that got no answer within a second (0 when the system kept up). */
  unanswered: number;
  /** Mean of /proc/loadavg's 1-minute figure over the rounds: the machine is shared. */
  loadAvg1: number;
}

export interface MeasureOptions {
  seconds: number;
  runs: number;
  probes: number;
  connParallel: number;
}

export function makeSystem(name: SystemName, at: EgressPoint): PolicySystem {
  switch (name) {
    case 'ebpf': return new EbpfAllowlist(at);
    case 'iptables': return new IptablesChain(at);
    case 'ipset': return new IpsetMatch(at);
    case 'nftables': return new NftSet(at);
  }
}

const WARMUP_PROBES = 5;
const round2 = (x: number): number => Math.round(x * 100) / 100;
const loadAvg1 = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

export class Measurement {
  private readonly flows: number[] = [];
  private readonly stream: number[] = [];
  private readonly conns: number[] = [];
  private readonly us: number[] = [];
  private readonly load: number[] = [];
  private unanswered = 0;
  private update1Ms = NaN;
  private update10kMs = NaN;

  private constructor(
    readonly name: SystemName, readonly n: number, private readonly bed: Testbed, private readonly server: PeerServer,
    private readonly system: PolicySystem, private readonly installMs: number,
  ) {}

  static async start(name: SystemName, n: number): Promise<Measurement> {
    const bed = Testbed.create({ pods: [{ name: 'bench' }] });
    let server: PeerServer | undefined;
    let system: PolicySystem | undefined;
    try {
      const pod = bed.pod('bench');
      podSysctls(pod.netns);
      server = await PeerServer.start(bed.world, [`tcp:${TARGET}:${TCP_PORT}`, `udp:${TARGET}:${UDP_PORT}`]);
      system = makeSystem(name, { nodeNetns: bed.node, hostIf: pod.hostIf });
      const sys = system;
      const installMs = timed(() => sys.install(allowlist(n, TARGET)));
      return new Measurement(name, n, bed, server, sys, installMs);
    } catch (err) {
      try {
        system?.teardown();
      } finally {
        server?.stop();
        bed.destroy();
      }
      throw err;
    }
  }

  /** One round of every traffic figure. */
  async round(o: MeasureOptions): Promise<void> {
    const pod = this.bed.pod('bench').netns;
    this.load.push(loadAvg1());
    const probe = await firstPacketUs(pod, Math.ceil(o.probes / o.runs) + WARMUP_PROBES);
    // no echo at all means the system does not pass its own allowlist: no figure would be valid
    if (probe.us.length === 0) throw new Error(`${this.name} N=${this.n}: no first-packet probe to ${TARGET} got an echo`);
    this.us.push(...probe.us.slice(WARMUP_PROBES));
    const c = await connPerSec(pod, o.seconds, o.connParallel);
    this.conns.push(c.perSec);
    this.unanswered += probe.failed + c.failed;
    this.stream.push(await streamPps(this.bed.world, pod, o.seconds));
    this.flows.push(await newFlowPps(this.bed.world, pod, o.seconds));
  }

  /** Adds (timed) and removes (untimed) 1 address, then 10k, each a few times; medians kept. */
  updates(times: number): void {
    const one: number[] = [];
    const tenK: number[] = [];
    for (let i = 0; i < times; i++) {
      const a = changeAddresses(1, 50_000 + i);
      one.push(this.system.add(a));
      this.system.remove(a);
    }
    for (let i = 0; i < times; i++) {
      const a = changeAddresses(10_000, i * 10_000);
      tenK.push(this.system.add(a));
      this.system.remove(a);
    }
    this.update1Ms = median(one);
    this.update10kMs = median(tenK);
  }

  row(): Row {
    return {
      system: this.name,
      n: this.n,
      pps: Math.round(median(this.flows)),
      ppsStream: Math.round(median(this.stream)),
      connPerSec: Math.round(median(this.conns)),
      firstPacketP50Us: Math.round(percentile(this.us, 50)),
      firstPacketP99Us: Math.round(percentile(this.us, 99)),
      update1Ms: round2(this.update1Ms),
      update10kMs: round2(this.update10kMs),
      installMs: Math.round(this.installMs),
      unanswered: this.unanswered,
      loadAvg1: round2(this.load.reduce((a, b) => a + b, 0) / this.load.length),
    };
  }

  stop(): void {
    try {
      this.system.teardown();
    } finally {
      this.server.stop();
      this.bed.destroy();
    }
  }
}

/** What one process start of a tool costs in the node namespace: part of every baseline update. */
export function toolStartMs(): number {
  const bed = Testbed.create({ pods: [] });
  try {
    const ms: number[] = [];
    for (let i = 0; i < 7; i++) ms.push(timed(() => run('nsenter', [`--net=/run/netns/${bed.node}`, 'true'])));
    return round2(median(ms));
  } finally {
    bed.destroy();
  }
}
