// Our datapath in the same position: the tc programs on the pod's host-side veth, the endpoint in
// enforce mode, the allowlist in the LPM trie. Changes go through Datapath.applyAllowlist, the
// agent's own write path (encode, then one batch update), timed in this process: there is no tool
// to start, which is part of the difference being measured.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { Datapath } from '../../datapath/datapath.js';
import type { AllowEntry, PortRule } from '../../datapath/maps/layout.js';
import { timed, type EgressPoint, type PolicySystem } from './system.js';

const ENDPOINT = 1;
// any protocol, any port: the same "allow this address" the baselines express
const ANY: PortRule[] = [{ proto: 0, portLo: 0, portHi: 65535, deny: false }];
// applyAllowlist packs all puts into one buffer; slices keep each buffer a few MB
const SLICE = 65536;

function entries(addresses: readonly string[]): AllowEntry[] {
  return addresses.map((a) => ({ endpointId: ENDPOINT, prefix: `${a}/32`, rules: ANY }));
}

export class EbpfAllowlist implements PolicySystem {
  readonly name = 'ebpf';
  private readonly datapath: Datapath;
  private readonly current = new Set<string>();

  constructor(at: EgressPoint) {
    this.datapath = Datapath.open({ pinRoot: `/sys/fs/bpf/sluice-policy-scale-${randomBytes(3).toString('hex')}`, ringSizeBytes: 1 << 22 });
    try {
      this.datapath.attach({ ifname: at.hostIf, netns: at.nodeNetns, endpointId: ENDPOINT, enforce: true });
    } catch (err) {
      this.teardown();
      throw err;
    }
  }

  /** For the kernel test: the loaded datapath. */
  get loaded(): Datapath {
    return this.datapath;
  }

  install(addresses: readonly string[]): void {
    const keep = new Set(addresses);
    const stale = [...this.current].filter((a) => !keep.has(a));
    this.datapath.applyAllowlist([], stale.map((a) => ({ endpointId: ENDPOINT, prefix: `${a}/32` })));
    const all = entries(addresses);
    for (let i = 0; i < all.length; i += SLICE) this.datapath.applyAllowlist(all.slice(i, i + SLICE));
    this.current.clear();
    for (const a of addresses) this.current.add(a);
  }

  add(addresses: readonly string[]): number {
    // the entries are built before the clock starts: the agent's pipeline hands them over ready
    const puts = entries(addresses);
    const ms = timed(() => this.datapath.applyAllowlist(puts));
    for (const a of addresses) this.current.add(a);
    return ms;
  }

  remove(addresses: readonly string[]): void {
    this.datapath.applyAllowlist([], addresses.map((a) => ({ endpointId: ENDPOINT, prefix: `${a}/32` })));
    for (const a of addresses) this.current.delete(a);
  }

  teardown(): void {
    const pinRoot = this.datapath.pinRoot;
    try {
      this.datapath.close();
    } finally {
      if (existsSync(pinRoot) && readdirSync(pinRoot).length === 0) rmSync(pinRoot, { recursive: true });
    }
  }
}
