// The traffic of the benchmark, driven from the pod (podTraffic.js in the pod's namespace) towards
// the world server, and the figures made from it.
import { distScript } from '../../paths.js';
import { inNetns, spawnInNetns, run } from '../../testbed/index.js';

const podScript = distScript('bench/policyScale/podTraffic.js');

/** Runs podTraffic.js in `netns` and parses its one line of JSON. */
export function inPod<T>(netns: string, args: (string | number)[]): Promise<T> {
  const child = spawnInNetns(netns, process.execPath, [podScript, ...args.map(String)]);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  child.stdin!.end();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`podTraffic ${args.join(' ')}: exit ${code}: ${err.trim().slice(0, 500)}`));
      else resolve(JSON.parse(out) as T);
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function rxPackets(netns: string, ifname: string): number {
  const j = JSON.parse(run('ip', ['-n', netns, '-s', '-j', 'link', 'show', 'dev', ifname])) as { stats64: { rx: { packets: number } } }[];
  return j[0]!.stats64.rx.packets;
}

/**
 * Small UDP packets per second that made it through the node: counted where they arrive, on the
 * world's interface, so every system is judged by the same counter. Each packet is a new flow
 * (podTraffic.ts says why), so every system decides on every packet.
 */
export async function newFlowPps(world: string, pod: string, seconds: number): Promise<number> {
  const before = rxPackets(world, 'eth0');
  const r = await inPod<{ sent: number; seconds: number }>(pod, ['flood', TARGET, seconds]);
  return (rxPackets(world, 'eth0') - before) / r.seconds;
}

/** iperf3 -u -l 64 -b 0: one UDP stream, established in every system after iperf3's handshake. */
export async function streamPps(world: string, pod: string, seconds: number): Promise<number> {
  const server = spawnInNetns(world, 'iperf3', ['-s', '-B', TARGET, '-1']);
  try {
    await new Promise((r) => setTimeout(r, 250));
    // iperf3 takes whole seconds, and -t 0 means forever
    const out = inNetns(pod, 'iperf3', ['-c', TARGET, '-u', '-l', '64', '-b', '0', '-t', String(Math.max(1, Math.round(seconds))), '-J']);
    const s = (JSON.parse(out) as { end: { sum: { packets: number; lost_packets: number; seconds: number } } }).end.sum;
    return (s.packets - s.lost_packets) / s.seconds;
  } finally {
    server.kill('SIGKILL');
  }
}

export async function connPerSec(pod: string, seconds: number, parallel: number): Promise<{ perSec: number; failed: number }> {
  const r = await inPod<{ ok: number; failed: number; seconds: number }>(pod, ['conns', TARGET, TCP_PORT, seconds, parallel]);
  return { perSec: r.ok / r.seconds, failed: r.failed };
}

export async function firstPacketUs(pod: string, count: number): Promise<{ us: number[]; failed: number }> {
  return inPod(pod, ['probe', TARGET, UDP_PORT, count]);
}

/** The world server every measurement targets; in every allowlist it is the last address. */
export const TARGET = '192.0.2.10';
export const TCP_PORT = 80;
export const UDP_PORT = 5353;

export function podSysctls(pod: string): void {
  // the connection test opens tens of thousands of connections from one address: a wide port
  // range and TIME_WAIT reuse keep it measuring the policy, not port exhaustion
  run('ip', ['netns', 'exec', pod, 'sysctl', '-q', '-w', 'net.ipv4.ip_local_port_range=1024 65535', 'net.ipv4.tcp_tw_reuse=1']);
}

