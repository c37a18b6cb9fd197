// Baseline: an ipset hash:ip set holding the allowlist, matched by one iptables rule in the same
// chain shape as the iptables baseline (ESTABLISHED,RELATED first, DROP last). A lookup is one
// hash probe whatever the set's size; a change is `ipset restore` adding members in place.
import { tool, timed, type EgressPoint, type PolicySystem } from './system.js';
import { CHAIN } from './iptablesChain.js';

export const SET = 'sluice-bench';

export class IpsetMatch implements PolicySystem {
  readonly name = 'ipset';

  constructor(private readonly at: EgressPoint) {}

  install(addresses: readonly string[]): void {
    // maxelem above the largest N plus a 10k change; the default (65,536) would refuse 100k
    const set = [`create ${SET} hash:ip family inet hashsize 65536 maxelem 1048576`, `flush ${SET}`, ...addresses.map((a) => `add ${SET} ${a}`)];
    tool(this.at.nodeNetns, 'ipset', ['-exist', 'restore'], set.join('\n') + '\n');
    const rules = [
      '*filter',
      `:${CHAIN} - [0:0]`,
      `-A FORWARD -i ${this.at.hostIf} -j ${CHAIN}`,
      `-A ${CHAIN} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
      `-A ${CHAIN} -m set --match-set ${SET} dst -j ACCEPT`,
      `-A ${CHAIN} -j DROP`,
      'COMMIT',
    ];
    tool(this.at.nodeNetns, 'iptables-legacy-restore', [], rules.join('\n') + '\n');
  }

  add(addresses: readonly string[]): number {
    const input = addresses.map((a) => `add ${SET} ${a}`).join('\n') + '\n';
    return timed(() => tool(this.at.nodeNetns, 'ipset', ['restore'], input));
  }

  remove(addresses: readonly string[]): void {
    tool(this.at.nodeNetns, 'ipset', ['-exist', 'restore'], addresses.map((a) => `del ${SET} ${a}`).join('\n') + '\n');
  }

  teardown(): void {
    // the rule references the set: rules go first, then the set can be destroyed
    // a restore without --noflush empties the built-in chains and deletes the user-defined ones
    tool(this.at.nodeNetns, 'iptables-legacy-restore', [], '*filter\nCOMMIT\n');
    tool(this.at.nodeNetns, 'ipset', ['destroy', SET]);
  }
}
