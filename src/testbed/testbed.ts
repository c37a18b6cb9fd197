// The closed namespace world of DESIGN.md, for tests, benchmarks and the demo:
//
//   pod namespaces --veth--> node namespace (host-side veths: the datapath attaches here)
//                              --veth--> world namespace (resolver and servers at documentation
//                                        addresses: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
//                                        2001:db8::/32)
//
// The node namespace routes between pods and world and has no other route: nothing in it can
// reach the machine's real interfaces. destroy() removes every namespace (and so every veth);
// sweep() removes what a crashed run left behind.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { ipBatch, run } from './run.js';

export interface PodSpec {
  name: string;
  labels?: Record<string, string>;
}

export interface Pod {
  name: string;
  labels: Record<string, string>;
  /** Namespace holding the pod's eth0. */
  netns: string;
  /** Host-side veth, in the node namespace. */
  hostIf: string;
  ipv4: string;
  ipv6: string;
  gateway4: string;
  gateway6: string;
}

export interface TestbedOptions {
  pods: PodSpec[];
  /** Addresses the world namespace answers on (servers, resolvers). */
  worldAddresses?: string[];
  /** Namespace name prefix; a random one keeps parallel runs apart. */
  prefix?: string;
}

export const NAMESPACE_PREFIX = 'sl';
export const defaultWorldAddresses = ['192.0.2.10', '192.0.2.11', '192.0.2.53', '198.51.100.10', '203.0.113.10', '2001:db8::10', '2001:db8::11', '2001:db8::53'];

export class Testbed {
  readonly node: string;
  readonly world: string;
  readonly pods: Pod[] = [];
  private destroyed = false;

  private constructor(readonly prefix: string, readonly worldAddresses: string[]) {
    this.node = `${prefix}-node`;
    this.world = `${prefix}-world`;
  }

  static create(options: TestbedOptions): Testbed {
    const prefix = options.prefix ?? `${NAMESPACE_PREFIX}${randomBytes(3).toString('hex')}`;
    const bed = new Testbed(prefix, options.worldAddresses ?? defaultWorldAddresses);
    try {
      bed.build(options.pods);
    } catch (err) {
      bed.destroy();
      throw err;
    }
    return bed;
  }

  pod(name: string): Pod {
    const p = this.pods.find((x) => x.name === name);
    if (!p) throw new Error(`testbed: no pod ${name}`);
    return p;
  }

  private build(pods: PodSpec[]): void {
    addNamespace(this.node);
    addNamespace(this.world);
    // node: forwarding on, no default route, strict nothing else
    ipBatch([
      'link set lo up',
      `link add w0 type veth peer name eth0 netns ${this.world}`,
      'link set w0 up',
      'addr add 10.255.0.1/30 dev w0',
      'addr add fd00:255::1/64 dev w0 nodad',
      'route add 192.0.2.0/24 via 10.255.0.2',
      'route add 198.51.100.0/24 via 10.255.0.2',
      'route add 203.0.113.0/24 via 10.255.0.2',
      'route add 2001:db8::/32 via fd00:255::2',
      // the DNS proxy's addresses: local in the node, the datapath steers pod DNS to them
      'addr add 169.254.53.53/32 dev lo',
      'addr add fd00:53::53/128 dev lo nodad',
    ], this.node);
    run('ip', ['netns', 'exec', this.node, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    ipBatch([
      'link set lo up',
      'link set eth0 up',
      'addr add 10.255.0.2/30 dev eth0',
      'addr add fd00:255::2/64 dev eth0 nodad',
      'route add 10.0.0.0/8 via 10.255.0.1',
      'route add fd00::/8 via fd00:255::1',
      ...this.worldAddresses.map((a) => (a.includes(':') ? `addr add ${a}/128 dev lo nodad` : `addr add ${a}/32 dev lo`)),
      // every address of these ranges is local in the world (servers on a wildcard address answer
      // them all): many distinct destinations for lookup-then-connect trials and benchmarks
      'route add local 198.51.100.0/24 dev lo',
      'route add local 203.0.113.0/24 dev lo',
      'route add local 2001:db8:1::/64 dev lo',
    ], this.world);
    pods.forEach((spec, i) => this.addPod(spec, i + 1));
  }

  addPod(spec: PodSpec, index = this.pods.length + 1): Pod {
    if (index > 250) throw new Error('testbed: at most 250 pods');
    const netns = `${this.prefix}-${spec.name}`;
    const hostIf = `lxc${index}`;
    const pod: Pod = {
      name: spec.name,
      labels: spec.labels ?? { app: spec.name },
      netns,
      hostIf,
      ipv4: `10.100.${index}.2`,
      ipv6: `fd00:100:${index.toString(16)}::2`,
      gateway4: `10.100.${index}.1`,
      gateway6: `fd00:100:${index.toString(16)}::1`,
    };
    addNamespace(netns);
    this.pods.push(pod);
    ipBatch([
      `link add ${hostIf} type veth peer name eth0 netns ${netns}`,
      `link set ${hostIf} up`,
      `addr add ${pod.gateway4}/30 dev ${hostIf}`,
      `addr add ${pod.gateway6}/64 dev ${hostIf} nodad`,
    ], this.node);
    ipBatch([
      'link set lo up',
      'link set eth0 up',
      `addr add ${pod.ipv4}/30 dev eth0`,
      `addr add ${pod.ipv6}/64 dev eth0 nodad`,
      `route add default via ${pod.gateway4}`,
      `route add default via ${pod.gateway6}`,
    ], netns);
    return pod;
  }

  namespaces(): string[] {
    return [this.node, this.world, ...this.pods.map((p) => p.netns)];
  }

  /** Removes every namespace of this test bed; safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const errors: string[] = [];
    for (const ns of this.namespaces()) {
      try {
        run('ip', ['netns', 'del', ns]);
      } catch (err) {
        if (!String((err as Error).message).includes('No such file')) errors.push((err as Error).message);
      }
    }
    if (errors.length > 0) throw new Error(`testbed: cleanup: ${errors.join('; ')}`);
  }
}

/** A namespace whose links skip IPv6 duplicate address detection: with it, link-local addresses
 * stay tentative for a second or two and the first IPv6 connections of a test time out. */
function addNamespace(name: string): void {
  run('ip', ['netns', 'add', name]);
  run('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
}

/** Namespaces whose name starts with `prefix-` (left by a crashed run). */
export function listNamespaces(prefix: string): string[] {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith(`${prefix}-`));
  } catch {
    return [];
  }
}

export function sweep(prefix: string): number {
  const names = listNamespaces(prefix);
  for (const n of names) run('ip', ['netns', 'del', n]);
  return names.length;
}
