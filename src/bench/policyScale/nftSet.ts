// Baseline: an nftables table with a set of type ipv4_addr and one rule that matches it, behind
// the same ESTABLISHED,RELATED accept and final drop as the other baselines. A set without the
// interval flag is a hash, so a lookup is one probe; a change is `nft -f` adding elements in one
// transaction.
import { tool, timed, type EgressPoint, type PolicySystem } from './system.js';

const TABLE = 'ip sluice_bench';
// `elements = { ... }` of 100k addresses on one line works, but nft parses smaller statements
// faster and reports errors with a usable position
const CHUNK = 5000;

function elementStatements(verb: 'add' | 'delete', addresses: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < addresses.length; i += CHUNK) {
    out.push(`${verb} element ${TABLE} allow { ${addresses.slice(i, i + CHUNK).join(', ')} }`);
  }
  return out;
}

export class NftSet implements PolicySystem {
  readonly name = 'nftables';

  constructor(private readonly at: EgressPoint) {}

  install(addresses: readonly string[]): void {
    const script = [
      // create-then-delete makes the install idempotent within one transaction
      `table ${TABLE}`,
      `delete table ${TABLE}`,
      `table ${TABLE} {`,
      '  set allow { type ipv4_addr; }',
      '  chain egress {',
      '    ct state established,related accept',
      '    ip daddr @allow accept',
      '    drop',
      '  }',
      '  chain forward {',
      '    type filter hook forward priority filter; policy accept;',
      `    iifname "${this.at.hostIf}" jump egress`,
      '  }',
      '}',
      ...elementStatements('add', addresses),
    ];
    tool(this.at.nodeNetns, 'nft', ['-f', '-'], script.join('\n') + '\n');
  }

  add(addresses: readonly string[]): number {
    const input = elementStatements('add', addresses).join('\n') + '\n';
    return timed(() => tool(this.at.nodeNetns, 'nft', ['-f', '-'], input));
  }

  remove(addresses: readonly string[]): void {
    tool(this.at.nodeNetns, 'nft', ['-f', '-'], elementStatements('delete', addresses).join('\n') + '\n');
  }

  teardown(): void {
    tool(this.at.nodeNetns, 'nft', ['delete', 'table', ...TABLE.split(' ')]);
  }
}
