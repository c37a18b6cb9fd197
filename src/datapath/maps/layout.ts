// Encoders and decoders for the keys and values of bpf/include/maps.h and conntrack.h.
// keep in sync with those headers; test/layout/maps.test.ts compares these sizes and offsets with
// the BTF of the compiled object.
import { isIPv4, isIPv6 } from 'node:net';
import { SluiceError } from '../../errors.js';
import { formatAddress } from '../decode/flowEvent.js';

export const ALLOW_MAX_RULES = 16;
export const ALLOW_KEY_FIXED_BITS = 64;

export const layouts = {
  endpoint_info: { size: 8, fields: { endpoint_id: 0, flags: 4 } },
  allow_key: { size: 28, fields: { prefixlen: 0, endpoint_id: 4, family: 8, addr: 12 } },
  port_rule: { size: 6, fields: { port_lo: 0, port_hi: 2, proto: 4, deny: 5 } },
  allow_value: { size: 4 + 6 * ALLOW_MAX_RULES, fields: { count: 0, rules: 4 } },
  dns_nat_key: { size: 20, fields: { addr: 0, port: 16, proto: 18, family: 19 } },
  dns_nat_value: { size: 32, fields: { orig_daddr: 0, orig_dport: 16, endpoint_id: 20, created_ns: 24 } },
  dns_config: { size: 28, fields: { proxy_addr4: 0, proxy_addr6: 4, proxy_port_udp: 20, proxy_port_tcp: 22 } },
  ct_key: { size: 40, fields: { saddr: 0, daddr: 16, sport: 32, dport: 34, proto: 36, family: 37 } },
  ct_value: { size: 40, fields: { created_ns: 0, last_seen_ns: 8, packets: 16, bytes: 24, endpoint_id: 32, flags: 36 } },
  endpoint_stats: { size: 32, fields: { forwarded_packets: 0, forwarded_bytes: 8, dropped_packets: 16, dropped_bytes: 24 } },
} as const;

export const EndpointFlags = { ENFORCE: 1, DNS_REDIRECT: 2 } as const;
export const CtFlags = { INBOUND: 1, REPLY_SEEN: 2 } as const;

export const IPPROTO = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

/** A port rule of the allowlist: proto 0 matches any protocol; ports are inclusive, host order. */
export interface PortRule {
  proto: number;
  portLo: number;
  portHi: number;
  deny: boolean;
}

export interface AllowEntry {
  endpointId: number;
  /** CIDR text: `192.0.2.10/32`, `2001:db8::/32`. A bare address means /32 or /128. */
  prefix: string;
  rules: PortRule[];
}

/** Writes the 4 or 16 bytes of an IP address into `out` at `at`; returns the family. */
export function writeAddress(out: Buffer, at: number, address: string): 4 | 6 {
  if (isIPv4(address)) {
    const parts = address.split('.');
    for (let i = 0; i < 4; i++) out[at + i] = Number(parts[i]);
    return 4;
  }
  if (isIPv6(address)) {
    const words = expandIPv6(address);
    for (let i = 0; i < 8; i++) out.writeUInt16BE(words[i]!, at + i * 2);
    return 6;
  }
  throw new SluiceError('ERR_CONFIG', `not an IP address: '${address}'`);
}

function expandIPv6(address: string): number[] {
  let text = address;
  // an embedded IPv4 tail (::ffff:192.0.2.1) becomes two words
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':').map((w) => parseInt(w, 16)) : [];
  const t = tail ? tail.split(':').map((w) => parseInt(w, 16)) : [];
  const zeros = tail === undefined ? [] : new Array<number>(8 - h.length - t.length).fill(0);
  return [...h, ...zeros, ...t];
}

export function parsePrefix(prefix: string): { address: string; bits: number; family: 4 | 6 } {
  const slash = prefix.indexOf('/');
  const address = slash < 0 ? prefix : prefix.slice(0, slash);
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  if (family === undefined) throw new SluiceError('ERR_CONFIG', `not a CIDR prefix: '${prefix}'`);
  const max = family === 4 ? 32 : 128;
  const bits = slash < 0 ? max : Number(prefix.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0 || bits > max) {
    throw new SluiceError('ERR_CONFIG', `prefix length out of range in '${prefix}'`);
  }
  return { address, bits, family };
}

export function encodeAllowKey(endpointId: number, prefix: string, out = Buffer.alloc(layouts.allow_key.size), at = 0): Buffer {
  // every allowlist write encodes one key per address (10k for a large DNS answer set), and the
  // general path below costs about a microsecond each in isIPv4 checks and substrings
  if (encodeIPv4AllowKey(endpointId, prefix, out, at)) return out;
  const { address, bits, family } = parsePrefix(prefix);
  out.fill(0, at, at + layouts.allow_key.size);
  out.writeUInt32LE(ALLOW_KEY_FIXED_BITS + bits, at);
  out.writeUInt32LE(endpointId, at + 4);
  out.writeUInt32LE(family, at + 8);
  writeAddress(out, at + 12, address);
  // bits past the prefix length must not matter for the trie, but zero them for clean keys
  maskTail(out, at + 12, bits, family === 4 ? 4 : 16);
  return out;
}

/**
 * The fast path of encodeAllowKey: `a.b.c.d` or `a.b.c.d/n` in canonical form (decimal octets
 * without leading zeros, n without a leading zero) straight into the key, with no allocation.
 * Returns false for anything else, which then takes the general path and its error messages, so
 * what is accepted and how it is encoded does not change.
 */
function encodeIPv4AllowKey(endpointId: number, prefix: string, out: Buffer, at: number): boolean {
  const len = prefix.length;
  let addr = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let i = 0;
  for (; i < len; i++) {
    const c = prefix.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return false;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return false;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return false;
      addr = addr * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      break;
    }
  }
  if (dots !== 3 || digits === 0) return false;
  addr = addr * 256 + octet;
  let bits = 32;
  if (i < len) {
    const n = len - i - 1;
    if (prefix.charCodeAt(i) !== 47 || n < 1 || n > 2 || (n === 2 && prefix.charCodeAt(i + 1) === 48)) return false;
    bits = 0;
    for (let j = i + 1; j < len; j++) {
      const c = prefix.charCodeAt(j);
      if (c < 48 || c > 57) return false;
      bits = bits * 10 + (c - 48);
    }
    if (bits > 32) return false;
  }
  // shifting by 32 is shifting by 0 in JavaScript: /0 gets its all-zero mask explicitly
  const masked = bits === 0 ? 0 : (addr & (0xffffffff << (32 - bits))) >>> 0;
  out.writeUInt32LE(ALLOW_KEY_FIXED_BITS + bits, at);
  out.writeUInt32LE(endpointId, at + 4);
  out.writeUInt32LE(4, at + 8);
  out.writeUInt32BE(masked, at + 12);
  out.fill(0, at + 16, at + layouts.allow_key.size);
  return true;
}

function maskTail(out: Buffer, at: number, bits: number, bytes: number): void {
  for (let i = 0; i < bytes; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[at + i] = out[at + i]! & ((0xff << (8 - keep)) & 0xff);
  }
}

export function decodeAllowKey(key: Buffer): { endpointId: number; prefix: string } {
  const family = key.readUInt32LE(8) === 6 ? 6 : 4;
  const bits = key.readUInt32LE(0) - ALLOW_KEY_FIXED_BITS;
  return { endpointId: key.readUInt32LE(4), prefix: `${formatAddressBuffer(key, 12, family)}/${bits}` };
}

export function encodeAllowValue(rules: PortRule[], out = Buffer.alloc(layouts.allow_value.size), at = 0): Buffer {
  if (rules.length > ALLOW_MAX_RULES) {
    throw new SluiceError('ERR_MAP_UPDATE', `allowlist value: ${rules.length} port rules, the datapath holds ${ALLOW_MAX_RULES}`);
  }
  out.fill(0, at, at + layouts.allow_value.size);
  out.writeUInt32LE(rules.length, at);
  rules.forEach((r, i) => {
    const o = at + 4 + i * layouts.port_rule.size;
    out.writeUInt16LE(r.portLo, o);
    out.writeUInt16LE(r.portHi, o + 2);
    out[o + 4] = r.proto;
    out[o + 5] = r.deny ? 1 : 0;
  });
  return out;
}

export function decodeAllowValue(buf: Buffer): PortRule[] {
  const count = Math.min(buf.readUInt32LE(0), ALLOW_MAX_RULES);
  const rules: PortRule[] = [];
  for (let i = 0; i < count; i++) {
    const o = 4 + i * layouts.port_rule.size;
    rules.push({ portLo: buf.readUInt16LE(o), portHi: buf.readUInt16LE(o + 2), proto: buf[o + 4]!, deny: buf[o + 5] === 1 });
  }
  return rules;
}

export function encodeEndpointInfo(endpointId: number, flags: number): Buffer {
  const b = Buffer.alloc(layouts.endpoint_info.size);
  b.writeUInt32LE(endpointId, 0);
  b[4] = flags;
  return b;
}

export function encodeU32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value, 0);
  return b;
}

export function encodeDnsConfig(cfg: { proxyAddr4: string; proxyAddr6: string; udpPort: number; tcpPort: number }): Buffer {
  const b = Buffer.alloc(layouts.dns_config.size);
  writeAddress(b, 0, cfg.proxyAddr4);
  writeAddress(b, 4, cfg.proxyAddr6);
  b.writeUInt16BE(cfg.udpPort, 20);
  b.writeUInt16BE(cfg.tcpPort, 22);
  return b;
}

export function encodeDnsNatKey(address: string, port: number, proto: number, b = Buffer.alloc(layouts.dns_nat_key.size)): Buffer {
  b.fill(0);
  const family = writeAddress(b, 0, address);
  b.writeUInt16BE(port, 16);
  b[18] = proto;
  b[19] = family;
  return b;
}

export interface DnsNatEntry {
  server: string;
  port: number;
  endpointId: number;
  createdNs: bigint;
}

export function decodeDnsNatValue(buf: Buffer, family: 4 | 6): DnsNatEntry {
  return {
    server: formatAddressBuffer(buf, 0, family),
    port: buf.readUInt16BE(16),
    endpointId: buf.readUInt32LE(20),
    createdNs: buf.readBigUInt64LE(24),
  };
}

export interface CtEntry {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto: number;
  family: 4 | 6;
  createdNs: bigint;
  lastSeenNs: bigint;
  packets: bigint;
  bytes: bigint;
  endpointId: number;
  flags: number;
}

export function decodeCt(key: Buffer, value: Buffer): CtEntry {
  const family = key[37] === 6 ? 6 : 4;
  return {
    src: formatAddressBuffer(key, 0, family),
    dst: formatAddressBuffer(key, 16, family),
    sport: key.readUInt16BE(32),
    dport: key.readUInt16BE(34),
    proto: key[36]!,
    family,
    createdNs: value.readBigUInt64LE(0),
    lastSeenNs: value.readBigUInt64LE(8),
    packets: value.readBigUInt64LE(16),
    bytes: value.readBigUInt64LE(24),
    endpointId: value.readUInt32LE(32),
    flags: value[36]!,
  };
}

export function formatAddressBuffer(buf: Buffer, at: number, family: 4 | 6): string {
  return formatAddress(new DataView(buf.buffer, buf.byteOffset, buf.length), at, family);
}
