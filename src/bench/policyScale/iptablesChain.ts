// Baseline: an iptables chain with one ACCEPT rule per allowed address, as kube-proxy and many
// firewalls build them. FORWARD jumps to it for packets from the pod's host-side veth; the chain
// accepts ESTABLISHED,RELATED first (so replies and established flows skip the walk, like real
// firewalls), then walks the address rules in order, and drops at the end.
//
// iptables-legacy on purpose: the x_tables chain is walked rule by rule, which is the per-rule
// cost this benchmark is about (iptables-nft translates rules to nftables bytecode instead).
// A change goes through iptables-legacy-restore --noflush: like every legacy change it reads the
// whole table from the kernel and writes the whole table back, however small the change.
import { tool, timed, type EgressPoint, type PolicySystem } from './system.js';

export const CHAIN = 'SLUICE-BENCH';

export class IptablesChain implements PolicySystem {
  readonly name = 'iptables';

  constructor(private readonly at: EgressPoint) {}

  install(addresses: readonly string[]): void {
    const lines = [
      '*filter',
      `:${CHAIN} - [0:0]`,
      `-A FORWARD -i ${this.at.hostIf} -j ${CHAIN}`,
      `-A ${CHAIN} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
      ...addresses.map((a) => `-A ${CHAIN} -d ${a}/32 -j ACCEPT`),
      `-A ${CHAIN} -j DROP`,
      'COMMIT',
    ];
    // without --noflush: the bed's own node namespace holds nothing else in its filter table
    tool(this.at.nodeNetns, 'iptables-legacy-restore', [], lines.join('\n') + '\n');
  }

  add(addresses: readonly string[]): number {
    // inserted right after the conntrack rule, so that the final DROP stays last
    const input = ['*filter', ...addresses.map((a) => `-I ${CHAIN} 2 -d ${a}/32 -j ACCEPT`), 'COMMIT'].join('\n') + '\n';
    return timed(() => tool(this.at.nodeNetns, 'iptables-legacy-restore', ['--noflush'], input));
  }

  remove(addresses: readonly string[]): void {
    const input = ['*filter', ...addresses.map((a) => `-D ${CHAIN} -d ${a}/32 -j ACCEPT`), 'COMMIT'].join('\n') + '\n';
    tool(this.at.nodeNetns, 'iptables-legacy-restore', ['--noflush'], input);
  }

  teardown(): void {
    // a restore without --noflush empties the built-in chains and deletes the user-defined ones
    tool(this.at.nodeNetns, 'iptables-legacy-restore', [], '*filter\nCOMMIT\n');
  }
}
