// The datapath as the agent sees it: one loaded object, its maps, the endpoints it is attached
// to, the allowlist writer and the flow stream. Wiring only; encoders are in maps/layout.ts.
//
// In: endpoint attachments, allowlist puts and deletes, the DNS proxy's address.
// Out: Observable<FlowEvent>, counters (ring losses, per-endpoint packets), conntrack entries and
// DNS steering records for the proxy.
import { share, type Observable } from 'rxjs';
import { BpfObject, defaultPinRoot, type LoadOptions } from './bpfObject.js';
import type { BpfMap } from './bpfMap.js';
import { attachTc, detachTc, detachTcIfindex, type TcTarget } from './tc.js';
import { RingReader } from './ringReader.js';
import { flowsFrom, type FlowSourceStats } from './flows.js';
import type { FlowEvent } from './decode/flowEvent.js';
import {
  EndpointFlags, encodeAllowKey, encodeAllowValue, encodeDnsConfig, encodeDnsNatKey, encodeEndpointInfo, encodeU32,
  decodeCt, decodeDnsNatValue, decodeAllowValue, layouts, type AllowEntry, type CtEntry, type DnsNatEntry, type PortRule,
} from './maps/layout.js';
import { isIPv4 } from 'node:net';
import { readdirSync, rmdirSync } from 'node:fs';

export const pinnedMapNames = ['endpoints', 'allowlist', 'conntrack', 'dns_nat', 'dns_config', 'endpoint_stats', 'ring_lost'];

export interface DatapathOptions {
  objectPath?: string;
  pinRoot?: string;
  /** Ring buffer size in bytes: a power of two, at least a page. Default 16 MiB (262,144 events). */
  ringSizeBytes?: number;
}

export interface EndpointAttachment extends TcTarget {
  endpointId: number;
  /** Some policy selects the endpoint's egress: default deny, allowlist decides. */
  enforce: boolean;
  /** Steer the endpoint's DNS to the proxy. */
  dnsRedirect?: boolean;
}

export interface EndpointStats {
  forwardedPackets: bigint;
  forwardedBytes: bigint;
  droppedPackets: bigint;
  droppedBytes: bigint;
}

export class Datapath {
  readonly maps: {
    endpoints: BpfMap; allowlist: BpfMap; conntrack: BpfMap; dnsNat: BpfMap; dnsConfig: BpfMap;
    endpointStats: BpfMap; ringLost: BpfMap;
  };
  readonly flowStats: FlowSourceStats = { delivered: 0, undecodable: 0 };
  private readonly reader: RingReader;
  private readonly attached = new Map<string, EndpointAttachment & { ifindex: number }>();
  private flows$: Observable<FlowEvent> | undefined;
  private closed = false;

  private constructor(private readonly obj: BpfObject, ringSizeBytes: number) {
    this.maps = {
      endpoints: obj.map('endpoints'),
      allowlist: obj.map('allowlist'),
      conntrack: obj.map('conntrack'),
      dnsNat: obj.map('dns_nat'),
      dnsConfig: obj.map('dns_config'),
      endpointStats: obj.perCpuMap('endpoint_stats'),
      ringLost: obj.perCpuMap('ring_lost'),
    };
    this.reader = new RingReader(obj.map('flow_events').fd, ringSizeBytes);
  }

  static open(options: DatapathOptions = {}): Datapath {
    const ringSizeBytes = options.ringSizeBytes ?? 1 << 24;
    const load: LoadOptions = {
      pinRoot: options.pinRoot ?? defaultPinRoot,
      maxEntries: { flow_events: ringSizeBytes },
    };
    if (options.objectPath) load.objectPath = options.objectPath;
    const obj = BpfObject.load(load);
    try {
      return new Datapath(obj, ringSizeBytes);
    } catch (err) {
      obj.close();
      throw err;
    }
  }

  /** For BPF_PROG_TEST_RUN in benchmarks: the fd of one of the loaded programs. */
  programFd(name: 'sluice_from_pod' | 'sluice_to_pod'): number {
    return this.obj.programFd(name);
  }

  mapCapacity(name: string): number {
    return this.obj.mapMaxEntries(name);
  }

  get pinRoot(): string {
    return this.obj.pinRoot;
  }

  /** Attaches both programs to the endpoint's host-side veth and registers the endpoint. */
  attach(ep: EndpointAttachment): number {
    const ifindex = attachTc(ep, 'ingress', this.obj.programFd('sluice_from_pod'));
    try {
      attachTc(ep, 'egress', this.obj.programFd('sluice_to_pod'));
      this.maps.endpoints.update(encodeU32(ifindex), encodeEndpointInfo(ep.endpointId, flagsOf(ep)));
    } catch (err) {
      detachTc(ep, 'ingress');
      detachTc(ep, 'egress');
      throw err;
    }
    this.attached.set(keyOf(ep), { ...ep, ifindex });
    return ifindex;
  }

  /** Changes an attached endpoint's enforcement or DNS steering; takes effect on the next packet. */
  setEndpointMode(target: TcTarget, mode: { enforce: boolean; dnsRedirect?: boolean }): void {
    const ep = this.attached.get(keyOf(target));
    if (!ep) throw new Error(`endpoint ${target.ifname} is not attached`);
    Object.assign(ep, mode);
    this.maps.endpoints.update(encodeU32(ep.ifindex), encodeEndpointInfo(ep.endpointId, flagsOf(ep)));
  }

  detach(target: TcTarget): void {
    const ep = this.attached.get(keyOf(target));
    detachTc(target, 'ingress');
    detachTc(target, 'egress');
    if (ep) {
      this.maps.endpoints.delete(encodeU32(ep.ifindex));
      this.attached.delete(keyOf(target));
    }
  }

  attachments(): EndpointAttachment[] {
    return [...this.attached.values()];
  }

  /** Writes allowlist entries (each prefix's complete rule set) and removes others, puts first. */
  applyAllowlist(puts: AllowEntry[], deletes: { endpointId: number; prefix: string }[] = []): void {
    const { allowlist } = this.maps;
    if (puts.length > 0) {
      const keys = Buffer.alloc(puts.length * layouts.allow_key.size);
      const values = Buffer.alloc(puts.length * layouts.allow_value.size);
      puts.forEach((e, i) => {
        encodeAllowKey(e.endpointId, e.prefix, keys, i * layouts.allow_key.size);
        encodeAllowValue(e.rules, values, i * layouts.allow_value.size);
      });
      allowlist.updateBatch(keys, values, puts.length);
    }
    for (const d of deletes) allowlist.delete(encodeAllowKey(d.endpointId, d.prefix));
  }

  allowlistEntry(endpointId: number, prefix: string): PortRule[] | undefined {
    const v = this.maps.allowlist.lookup(encodeAllowKey(endpointId, prefix));
    return v && decodeAllowValue(v);
  }

  setDnsProxy(cfg: { proxyAddr4: string; proxyAddr6: string; udpPort: number; tcpPort: number }): void {
    this.maps.dnsConfig.update(encodeU32(0), encodeDnsConfig(cfg));
  }

  /** The flow events of every attached endpoint; one shared reader however many subscribe. */
  flows(): Observable<FlowEvent> {
    this.flows$ ??= flowsFrom(this.reader, this.flowStats).pipe(share());
    return this.flows$;
  }

  /** Events the BPF side could not reserve in the ring, summed over CPUs. */
  lostEvents(): bigint {
    const v = this.maps.ringLost.lookup(encodeU32(0));
    return v ? sumPerCpu(v, 8, 0) : 0n;
  }

  endpointStats(endpointId: number): EndpointStats {
    const v = this.maps.endpointStats.lookup(encodeU32(endpointId));
    const stride = this.maps.endpointStats.valueSize;
    if (!v) return { forwardedPackets: 0n, forwardedBytes: 0n, droppedPackets: 0n, droppedBytes: 0n };
    return {
      forwardedPackets: sumPerCpu(v, stride, 0),
      forwardedBytes: sumPerCpu(v, stride, 8),
      droppedPackets: sumPerCpu(v, stride, 16),
      droppedBytes: sumPerCpu(v, stride, 24),
    };
  }

  /**
   * `endpointId|address bytes` of the conntrack entries seen within `idleNs`, read raw (no
   * strings per entry): the FQDN cache's in-use check walks the whole map with it.
   */
  conntrackInUse(nowBootNs: bigint, idleNs: bigint): Set<string> {
    const inUse = new Set<string>();
    for (const [k, v] of this.maps.conntrack.entriesBatch()) {
      if (nowBootNs - v.readBigUInt64LE(8) > idleNs) continue;
      inUse.add(`${v.readUInt32LE(32)}|${k.toString('latin1', 16, k[37] === 6 ? 32 : 20)}`);
    }
    return inUse;
  }

  *conntrack(): Generator<CtEntry> {
    for (const [k, v] of this.maps.conntrack.entriesBatch()) yield decodeCt(k, v);
  }

  /**
   * Detaches the programs from every interface the pinned endpoints map names, including those
   * attached by an earlier agent that kept them (enforcement ends there). Returns how many.
   */
  detachAllPinned(netns?: string): number {
    let n = 0;
    for (const key of [...this.maps.endpoints.keys()]) {
      const ifindex = key.readUInt32LE(0);
      const a = detachTcIfindex(ifindex, 'ingress', netns);
      const b = detachTcIfindex(ifindex, 'egress', netns);
      if (a || b) n++;
      this.maps.endpoints.delete(key);
    }
    this.attached.clear();
    return n;
  }

  /**
   * Stops reading flows and closes the object. Without keepPinned it also detaches every
   * endpoint and removes the pins, leaving nothing behind; with it, the programs stay attached
   * and the maps pinned, so enforcement goes on until an agent opens them again.
   */
  close(options: { keepPinned?: boolean } = {}): void {
    if (this.closed) return;
    this.closed = true;
    if (!options.keepPinned) {
      for (const ep of [...this.attached.values()]) this.detach(ep);
      this.obj.unpin(pinnedMapNames);
    }
    this.reader.close();
    this.obj.close();
    // an empty pin root is ours to remove; one holding anything else is left alone
    if (!options.keepPinned) removeEmptyDir(this.obj.pinRoot);
  }
}

export type DnsOrigin = Pick<DnsNatEntry, 'endpointId' | 'server' | 'port'>;

/**
 * Where a pod's DNS query was going before the datapath steered it to the proxy, from the dns_nat
 * map (the proxy's thread opens it by the agent's fd: fds belong to the process). Asked once per
 * query, so the key and value buffers are reused and the resolvers' addresses, few, are spelled
 * once: a Buffer and a BigInt per lookup were a good part of the proxy thread's garbage.
 */
export class DnsOriginReader {
  private readonly key = Buffer.alloc(layouts.dns_nat_key.size);
  private readonly value: Buffer;
  /** The resolver addresses seen lately, as bytes and text. */
  private readonly servers: { family: 4 | 6; bytes: Buffer; text: string }[] = [];

  constructor(private readonly dnsNat: BpfMap) {
    this.value = Buffer.alloc(dnsNat.valueSize);
  }

  lookup(clientAddr: string, clientPort: number, proto: 'udp' | 'tcp'): DnsOrigin | undefined {
    encodeDnsNatKey(clientAddr, clientPort, proto === 'tcp' ? 6 : 17, this.key);
    if (!this.dnsNat.lookupInto(this.key, this.value)) return undefined;
    const family = this.key[19] as 4 | 6;
    return { endpointId: this.value.readUInt32LE(20), server: this.serverText(family), port: this.value.readUInt16BE(16) };
  }

  private serverText(family: 4 | 6): string {
    const size = family === 4 ? 4 : 16;
    for (const s of this.servers) if (s.family === family && this.value.compare(s.bytes, 0, size, 0, size) === 0) return s.text;
    const text = decodeDnsNatValue(this.value, family).server;
    if (this.servers.length >= 8) this.servers.shift();
    this.servers.push({ family, bytes: Buffer.from(this.value.subarray(0, size)), text });
    return text;
  }
}

function removeEmptyDir(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // already gone
  }
}

function flagsOf(ep: { enforce: boolean; dnsRedirect?: boolean }): number {
  return (ep.enforce ? EndpointFlags.ENFORCE : 0) | (ep.dnsRedirect ? EndpointFlags.DNS_REDIRECT : 0);
}

function keyOf(t: TcTarget): string {
  return `${t.netns ?? ''}/${t.ifname}`;
}

function sumPerCpu(buf: Buffer, stride: number, offset: number): bigint {
  let sum = 0n;
  for (let at = offset; at + 8 <= buf.length; at += stride) sum += buf.readBigUInt64LE(at);
  return sum;
}
