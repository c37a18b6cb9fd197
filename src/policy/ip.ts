// IPv4/IPv6 addresses and prefixes as numbers, for CIDR containment checks. Parsing follows Go's
// netip (which Cilium uses): no leading zeros in IPv4 octets, no zones.
import { isIPv4, isIPv6 } from 'node:net';

export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

export interface IpPrefix {
  family: 4 | 6;
  /** The network address: host bits are cleared. */
  value: bigint;
  bits: number;
}

const WIDTH = { 4: 32, 6: 128 } as const;

export function parseIp(text: string): IpAddress | undefined {
  if (isIPv4(text)) {
    const octets = text.split('.');
    if (octets.some((o) => o.length > 1 && o.startsWith('0'))) return undefined;
    return { family: 4, value: octets.reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n) };
  }
  if (isIPv6(text) && !text.includes('%')) return { family: 6, value: parseIpv6(text) };
  return undefined;
}

function parseIpv6(text: string): bigint {
  let groups: string[];
  const [head, tail] = text.split('::') as [string, string | undefined];
  const toGroups = (part: string): string[] => (part === '' ? [] : part.split(':').flatMap(expandEmbeddedIpv4));
  if (tail === undefined) {
    groups = toGroups(head);
  } else {
    const left = toGroups(head);
    const right = toGroups(tail);
    groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  }
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function expandEmbeddedIpv4(group: string): string[] {
  if (!group.includes('.')) return [group];
  const n = group.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return [(n >>> 16).toString(16), (n & 0xffff).toString(16)];
}

/** `10.1.2.3/8` -> 10.0.0.0/8. Requires the `/bits` part. */
export function parsePrefix(text: string): IpPrefix | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseIp(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (addr === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  const width = WIDTH[addr.family];
  if (bits > width) return undefined;
  return { family: addr.family, value: addr.value & networkMask(width, bits), bits };
}

function networkMask(width: number, bits: number): bigint {
  const all = (1n << BigInt(width)) - 1n;
  return all ^ ((1n << BigInt(width - bits)) - 1n);
}

export function prefixContains(prefix: IpPrefix, ip: IpAddress): boolean {
  if (prefix.family !== ip.family) return false;
  return (ip.value & networkMask(WIDTH[prefix.family], prefix.bits)) === prefix.value;
}

export function formatPrefix(prefix: IpPrefix): string {
  return `${formatIp({ family: prefix.family, value: prefix.value })}/${prefix.bits}`;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run compressed). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => ((ip.value >> s) & 0xffn).toString()).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** The single-address prefix of an IP: /32 or /128. */
export function hostPrefix(ip: IpAddress): IpPrefix {
  return { family: ip.family, value: ip.value, bits: WIDTH[ip.family] };
}
