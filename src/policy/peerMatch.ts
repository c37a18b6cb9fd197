// Does a resolved peer include an address, and does a port rule cover a port? Shared by the
// connection and DNS decisions so both read rules the same way.
import { fqdnSelectorMatches } from './fqdnSelector.js';
import { parseIp, parsePrefix, prefixContains, type IpAddress } from './ip.js';
import type { PortRange, ResolvedPeer } from './types.js';

/** The YAML path of the peer item that includes `ip`, or undefined. */
export function peerIncludes(peer: ResolvedPeer, ip: IpAddress, resolved: Record<string, string[]>): string | undefined {
  if (peer.kind === 'cidrs') {
    for (const block of peer.cidrs) {
      const prefix = parsePrefix(block.cidr);
      if (prefix === undefined || !prefixContains(prefix, ip)) continue;
      if (block.except.some((e) => { const ex = parsePrefix(e); return ex !== undefined && prefixContains(ex, ip); })) continue;
      return block.path;
    }
    return undefined;
  }
  for (const { selector, path } of peer.selectors) {
    for (const [name, ips] of Object.entries(resolved)) {
      if (!fqdnSelectorMatches(selector, name)) continue;
      if (ips.some((text) => { const a = parseIp(text); return a !== undefined && a.family === ip.family && a.value === ip.value; })) return path;
    }
  }
  return undefined;
}

/** The name whose resolved IPs put `ip` inside an FQDN peer, for reasons. */
export function resolvedNameFor(peer: ResolvedPeer, path: string, ip: IpAddress, resolved: Record<string, string[]>): string | undefined {
  if (peer.kind !== 'fqdns') return undefined;
  const item = peer.selectors.find((s) => s.path === path);
  if (item === undefined) return undefined;
  return Object.keys(resolved).find((name) => fqdnSelectorMatches(item.selector, name) && resolved[name]!.some((t) => {
    const a = parseIp(t);
    return a !== undefined && a.family === ip.family && a.value === ip.value;
  }));
}

export function rangeCovers(range: PortRange, port: number, protocol: 'TCP' | 'UDP'): boolean {
  if (range.protocol !== 'ANY' && range.protocol !== protocol) return false;
  return range.port === 0 || (port >= range.port && port <= range.endPort);
}
