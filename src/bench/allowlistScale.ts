// Benchmark: does the datapath stay as fast as the allowlist grows? For 10, 1k, 100k and 1M
// entries in one endpoint's allowlist it measures
//   - pps: small UDP packets from a pod through the datapath to a world server (iperf3), and
//   - firstPacketNs: the cost of the path every new connection takes (an LPM lookup among N
//     entries), timed in the kernel with BPF_PROG_TEST_RUN over a million runs.
// Established packets take the conntrack path, so pps alone would not show the lookup.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import koffi from 'koffi';
import { Datapath } from '../datapath/datapath.js';
import { libbpf } from '../datapath/ffi/libbpf.js';
import { IPPROTO, encodeEndpointInfo, encodeU32, EndpointFlags, type AllowEntry } from '../datapath/maps/layout.js';
import { Testbed, inNetns } from '../testbed/index.js';
import { SluiceError, errnoMessage } from '../errors.js';

export const resultName = 'allowlist-scale';

export interface AllowlistScaleResult {
  results: { entries: number; pps: number; firstPacketNs: number; firstPacketPps: number; loadMs: number }[];
  flatnessPps: number;
  flatnessFirstPacket: number;
}

const SIZES = [10, 1_000, 100_000, 1_000_000];
const ENDPOINT = 1;
const SERVER = '192.0.2.10';

function randomEntries(count: number, seed: Set<number>): AllowEntry[] {
  const out: AllowEntry[] = [];
  const rules = [{ proto: IPPROTO.TCP, portLo: 443, portHi: 443, deny: false }];
  while (out.length < count) {
    const n = randomBytes(4).readUInt32BE(0);
    // stay off the test bed's own ranges so the entries never change what the traffic sees
    if (seed.has(n) || n >>> 24 === 192 || n >>> 24 === 10) continue;
    seed.add(n);
    out.push({ endpointId: ENDPOINT, prefix: `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/32`, rules });
  }
  return out;
}

function iperfPps(bed: Testbed, podNetns: string, seconds: number): Promise<number> {
  const server = spawn('ip', ['netns', 'exec', bed.world, 'iperf3', '-s', '-B', SERVER, '-1'], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    setTimeout(() => {
      try {
        const out = inNetns(podNetns, 'iperf3', ['-c', SERVER, '-u', '-l', '64', '-b', '0', '-t', String(seconds), '-J']);
        const j = JSON.parse(out) as { end: { sum: { packets: number; lost_packets: number; seconds: number } } };
        const s = j.end.sum;
        resolve((s.packets - s.lost_packets) / s.seconds);
      } catch (err) {
        reject(err);
      } finally {
        server.kill();
      }
    }, 300);
  });
}

/** A UDP packet from the pod to `dst`:9 — an address with an entry, a port without a rule. */
function packetTo(dst: string): Buffer {
  const p = Buffer.alloc(14 + 20 + 8 + 18);
  p.writeUInt16BE(0x0800, 12);
  const ip = 14;
  p[ip] = 0x45;
  p.writeUInt16BE(20 + 8 + 18, ip + 2);
  p[ip + 8] = 64;
  p[ip + 9] = 17;
  Buffer.from([10, 100, 1, 2]).copy(p, ip + 12);
  Buffer.from(dst.split('.').map(Number)).copy(p, ip + 16);
  p.writeUInt16BE(40000, ip + 20);
  p.writeUInt16BE(9, ip + 22);
  p.writeUInt16BE(8 + 18, ip + 24);
  return p;
}

function firstPacketNs(progFd: number, dst: string): number {
  const ctx = Buffer.alloc(192);
  ctx.writeUInt32LE(1, 40); // __sk_buff.ifindex: lo, registered below as the benchmark endpoint
  const pkt = packetTo(dst);
  const opts = {
    sz: koffi.sizeof(libbpf().types.testRunOpts), data_in: pkt, data_out: null, data_size_in: pkt.length, data_size_out: 0,
    ctx_in: ctx, ctx_out: null, ctx_size_in: ctx.length, ctx_size_out: 0, retval: 0, repeat: 1_000_000, duration: 0, flags: 0, cpu: 0, batch_size: 0,
  };
  const rc = libbpf().bpf_prog_test_run_opts(progFd, opts) as number;
  if (rc < 0) throw new SluiceError('ERR_BPF_LOAD', `test run sluice_from_pod: ${errnoMessage(rc)}`);
  if (opts.retval !== 2) throw new Error(`expected the drop verdict (2) from the first-packet path, got ${opts.retval}`);
  return opts.duration;
}

export async function run(options: { seconds?: number } = {}): Promise<AllowlistScaleResult> {
  const seconds = options.seconds ?? 3;
  const bed = Testbed.create({ pods: [{ name: 'bench' }] });
  const pod = bed.pod('bench');
  const datapath = Datapath.open({ pinRoot: `/sys/fs/bpf/sluice-bench-${randomBytes(3).toString('hex')}`, ringSizeBytes: 1 << 20 });
  const results: AllowlistScaleResult['results'] = [];
  try {
    datapath.attach({ ifname: pod.hostIf, netns: bed.node, endpointId: ENDPOINT, enforce: true });
    datapath.maps.endpoints.update(encodeU32(1), encodeEndpointInfo(ENDPOINT, EndpointFlags.ENFORCE));
    // iperf3's control connection (TCP 5201) and its UDP stream
    datapath.applyAllowlist([{ endpointId: ENDPOINT, prefix: `${SERVER}/32`, rules: [{ proto: 0, portLo: 5201, portHi: 5201, deny: false }] }]);
    const seen = new Set<number>();
    const progFd = datapath.programFd('sluice_from_pod');
    let have = 0;
    let probe = '';
    for (const size of SIZES) {
      const add = randomEntries(size - have, seen);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < add.length; i += 65536) datapath.applyAllowlist(add.slice(i, i + 65536));
      const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
      have = size;
      probe ||= add[0]!.prefix.split('/')[0]!;
      const ns = firstPacketNs(progFd, probe);
      // median of three runs: iperf3 shares the two cores with the kernel's forwarding work
      const runs = [await iperfPps(bed, pod.netns, seconds), await iperfPps(bed, pod.netns, seconds), await iperfPps(bed, pod.netns, seconds)];
      const pps = runs.sort((a, b) => a - b)[1]!;
      results.push({ entries: size, pps: Math.round(pps), firstPacketNs: ns, firstPacketPps: Math.round(1e9 / ns), loadMs: Math.round(loadMs) });
    }
  } finally {
    datapath.close();
    bed.destroy();
  }
  const spread = (xs: number[]) => Math.round(((Math.max(...xs) - Math.min(...xs)) / Math.max(...xs)) * 1000) / 1000;
  return {
    results,
    flatnessPps: spread(results.map((r) => r.pps)),
    flatnessFirstPacket: spread(results.map((r) => r.firstPacketNs)),
  };
}
