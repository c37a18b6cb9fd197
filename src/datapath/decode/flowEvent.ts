// Decoder of `struct flow_event` (bpf/include/flow_event.h). The layout table is keyed by the C
// field names; test/layout/flowEvent.test.ts compares it with the BTF of the compiled object, so a
// change on one side without the other fails CI.
//
// Reads go straight from a DataView over the ring buffer's pages (no copy). Host-order fields are
// read little-endian (the only BPF target we build is x86-64/arm64 little-endian); `__be16` ports
// are read big-endian. Unknown enum values are kept as numbers, never thrown.
import { SluiceError } from '../../errors.js';

export const FLOW_EVENT_TYPE = 1;
export const FLOW_EVENT_VERSION = 1;

/** Offsets and sizes of struct flow_event, version 1. */
export const flowEventLayout = {
  size: 64,
  fields: {
    type: { offset: 0, size: 1 },
    version: { offset: 1, size: 1 },
    verdict: { offset: 2, size: 1 },
    drop_reason: { offset: 3, size: 1 },
    family: { offset: 4, size: 1 },
    proto: { offset: 5, size: 1 },
    flags: { offset: 6, size: 1 },
    tcp_flags: { offset: 7, size: 1 },
    endpoint_id: { offset: 8, size: 4 },
    ifindex: { offset: 12, size: 4 },
    timestamp_ns: { offset: 16, size: 8 },
    saddr: { offset: 24, size: 16 },
    daddr: { offset: 40, size: 16 },
    sport: { offset: 56, size: 2 },
    dport: { offset: 58, size: 2 },
    pkt_len: { offset: 60, size: 2 },
    icmp_type: { offset: 62, size: 1 },
    icmp_code: { offset: 63, size: 1 },
  },
} as const;

export const Verdict = { FORWARDED: 1, DROPPED: 2, REDIRECTED: 3 } as const;
export const verdictNames: Record<number, string> = { 1: 'FORWARDED', 2: 'DROPPED', 3: 'REDIRECTED' };

export const DropReason = {
  NONE: 0, POLICY: 1, POLICY_PORT: 2, POLICY_DENY: 3, FRAG_UNKNOWN: 4, MALFORMED: 5, NAT_FAILED: 6,
} as const;
export const dropReasonNames: Record<number, string> = {
  0: 'NONE', 1: 'POLICY_DENIED', 2: 'POLICY_PORT_DENIED', 3: 'POLICY_DENY_RULE', 4: 'FRAG_UNKNOWN',
  5: 'INVALID_PACKET', 6: 'NAT_FAILED',
};

export const FlowFlags = { REPLY: 1, NEW: 2, IPV6: 4, DNS: 8 } as const;

export interface FlowEvent {
  version: number;
  verdict: number;
  dropReason: number;
  family: 4 | 6;
  /** IP protocol number: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6. */
  proto: number;
  flags: number;
  isReply: boolean;
  tcpFlags: number;
  endpointId: number;
  ifindex: number;
  /** CLOCK_BOOTTIME nanoseconds from the kernel; toWallClock() turns it into epoch time. */
  timestampNs: bigint;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  pktLen: number;
  icmpType: number;
  icmpCode: number;
}

const f = flowEventLayout.fields;

/** Decodes one record at `offset` of `view`. Throws ERR_DECODE_SHORT / ERR_DECODE_VERSION. */
export function decodeFlowEvent(view: DataView, offset = 0, length = view.byteLength - offset): FlowEvent {
  if (length < 2) throw new SluiceError('ERR_DECODE_SHORT', `flow event: ${length} bytes, need at least 2`);
  const type = view.getUint8(offset + f.type.offset);
  const version = view.getUint8(offset + f.version.offset);
  if (type !== FLOW_EVENT_TYPE || version !== FLOW_EVENT_VERSION) {
    throw new SluiceError('ERR_DECODE_VERSION', `flow event: type ${type} version ${version} not known`);
  }
  if (length < flowEventLayout.size) {
    throw new SluiceError('ERR_DECODE_SHORT', `flow event v1: ${length} bytes, need ${flowEventLayout.size}`);
  }
  const family = view.getUint8(offset + f.family.offset) === 6 ? 6 : 4;
  const flags = view.getUint8(offset + f.flags.offset);
  return {
    version,
    verdict: view.getUint8(offset + f.verdict.offset),
    dropReason: view.getUint8(offset + f.drop_reason.offset),
    family,
    proto: view.getUint8(offset + f.proto.offset),
    flags,
    isReply: (flags & FlowFlags.REPLY) !== 0,
    tcpFlags: view.getUint8(offset + f.tcp_flags.offset),
    endpointId: view.getUint32(offset + f.endpoint_id.offset, true),
    ifindex: view.getUint32(offset + f.ifindex.offset, true),
    timestampNs: view.getBigUint64(offset + f.timestamp_ns.offset, true),
    src: formatAddress(view, offset + f.saddr.offset, family),
    dst: formatAddress(view, offset + f.daddr.offset, family),
    sport: view.getUint16(offset + f.sport.offset, false),
    dport: view.getUint16(offset + f.dport.offset, false),
    pktLen: view.getUint16(offset + f.pkt_len.offset, true),
    icmpType: view.getUint8(offset + f.icmp_type.offset),
    icmpCode: view.getUint8(offset + f.icmp_code.offset),
  };
}

// Flows repeat the same few thousand addresses: formatting each once saves most of the decode
// time (the ring benchmark's hot path). Bounded: cleared when full, never grows past the limit.
const ipv4Text = new Map<number, string>();
const IPV4_CACHE_MAX = 65536;

function formatIPv4(n: number): string {
  let text = ipv4Text.get(n);
  if (text === undefined) {
    text = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    if (ipv4Text.size >= IPV4_CACHE_MAX) ipv4Text.clear();
    ipv4Text.set(n, text);
  }
  return text;
}

const hex = Array.from({ length: 256 }, (_, i) => i.toString(16));

/** Formats 4 or 16 bytes at `at` as dotted quad or RFC 5952 text (longest zero run compressed). */
export function formatAddress(view: DataView, at: number, family: 4 | 6): string {
  if (family === 4) return formatIPv4(view.getUint32(at, false));
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(view.getUint16(at + i * 2, false));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const part = (a: number, b: number) => words.slice(a, b).map((w) => (w < 256 ? hex[w]! : w.toString(16))).join(':');
  if (bestStart < 0) return part(0, 8);
  return `${part(0, bestStart)}::${part(bestStart + bestLen, 8)}`;
}
