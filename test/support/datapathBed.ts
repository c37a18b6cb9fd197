// A test bed with the datapath attached: namespaces, world echo servers, one client per pod,
// a Datapath with its own pin root, and every flow event collected. stop() removes all of it.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import type { Subscription } from 'rxjs';
import { Datapath, type FlowEvent } from '../../src/datapath/index.js';
import { Testbed, PeerServer, PeerClient, type PodSpec } from '../../src/testbed/index.js';

export interface BedPod extends PodSpec {
  enforce: boolean;
  dnsRedirect?: boolean;
}

export class DatapathBed {
  readonly flows: FlowEvent[] = [];
  private sub: Subscription | undefined;
  readonly clients = new Map<string, PeerClient>();
  readonly endpointIds = new Map<string, number>();

  private constructor(readonly bed: Testbed, readonly datapath: Datapath, readonly server: PeerServer) {}

  static async start(pods: BedPod[], opts: { ringSizeBytes?: number; listen?: string[]; subscribe?: boolean } = {}): Promise<DatapathBed> {
    const bed = Testbed.create({ pods });
    let datapath: Datapath | undefined;
    let server: PeerServer | undefined;
    try {
      datapath = Datapath.open({ pinRoot: `/sys/fs/bpf/sluice-test-${randomBytes(4).toString('hex')}`, ringSizeBytes: opts.ringSizeBytes ?? 1 << 20 });
      server = await PeerServer.start(bed.world, opts.listen ?? [
        'tcp:192.0.2.10:80', 'tcp:192.0.2.10:8080', 'tcp:192.0.2.11:80', 'udp:192.0.2.10:5353', 'udp:192.0.2.11:5353',
        'tcp:[2001:db8::10]:80', 'udp:[2001:db8::10]:5353', 'tcp:[2001:db8::11]:80',
      ]);
      const self = new DatapathBed(bed, datapath, server);
      pods.forEach((spec, i) => {
        const pod = bed.pod(spec.name);
        const endpointId = 100 + i;
        self.endpointIds.set(spec.name, endpointId);
        datapath!.attach({ ifname: pod.hostIf, netns: bed.node, endpointId, enforce: spec.enforce, dnsRedirect: spec.dnsRedirect ?? false });
      });
      for (const spec of pods) self.clients.set(spec.name, await PeerClient.start(bed.pod(spec.name).netns));
      if (opts.subscribe !== false) self.sub = datapath.flows().subscribe((e) => self.flows.push(e));
      return self;
    } catch (err) {
      server?.stop();
      datapath?.close();
      bed.destroy();
      throw err;
    }
  }

  client(pod: string): PeerClient {
    return this.clients.get(pod)!;
  }

  id(pod: string): number {
    return this.endpointIds.get(pod)!;
  }

  /** Waits until a flow event matching `pred` arrived (the reader runs asynchronously). */
  async waitFlow(pred: (e: FlowEvent) => boolean, timeoutMs = 3000): Promise<FlowEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.flows.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no matching flow event among ${this.flows.length}: ${JSON.stringify(this.flows.slice(-5), (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(options: { keepPinned?: boolean } = {}): void {
    this.sub?.unsubscribe();
    for (const c of this.clients.values()) c.stop();
    this.server.stop();
    const pinRoot = this.datapath.pinRoot;
    try {
      this.datapath.close(options);
    } finally {
      this.bed.destroy();
      if (!options.keepPinned && existsSync(pinRoot) && readdirSync(pinRoot).length === 0) rmSync(pinRoot, { recursive: true });
    }
  }
}
