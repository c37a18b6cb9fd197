// Our datapath's enums (bpf/include/flow_event.h) in Hubble's terms (flow.proto, and Cilium's
// bpf/lib/common.h for drop reason numbers). Unknown values fall back to a number, as proto3
// JSON prints an enum value it has no name for.
import type { HubbleVerdict } from './types.js';

export const hubbleVerdicts: Record<number, HubbleVerdict> = { 1: 'FORWARDED', 2: 'DROPPED', 3: 'REDIRECTED' };

/** Our drop reason -> Cilium drop reason number and flow.proto DropReason name. */
export const hubbleDropReasons: Record<number, { code: number; desc: string | number }> = {
  1: { code: 133, desc: 'POLICY_DENIED' }, // no allowlist entry (Cilium's default deny)
  2: { code: 133, desc: 'POLICY_DENIED' }, // listed address, port not allowed: Cilium uses 133 too
  3: { code: 181, desc: 'POLICY_DENY' }, // an explicit deny rule
  4: { code: 175, desc: 175 }, // DROP_FRAG_NOT_FOUND in common.h; flow.proto name not confirmed
  5: { code: 134, desc: 'INVALID_PACKET_DROPPED' },
  6: { code: 167, desc: 167 }, // DROP_NAT_NO_MAPPING in common.h; flow.proto name not confirmed
};

/** Cilium monitor message types (pkg/monitor/api/types.go). */
export const MessageType = { DROP: 1, TRACE: 4, ACCESS_LOG: 129 } as const;
/** Trace observation points as event_type.sub_type (bpf/lib/trace.h TRACE_*). */
export const TraceSubtype = { TO_ENDPOINT: 0, TO_PROXY: 1, FROM_ENDPOINT: 5 } as const;

const tcpFlagNames = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'] as const;
export type TcpFlagName = (typeof tcpFlagNames)[number];

/** The TCP flags byte (FIN = bit 0 ... CWR = bit 7) as names, in header order. */
export function tcpFlagList(bits: number): TcpFlagName[] {
  const out: TcpFlagName[] = [];
  for (let i = 0; i < 8; i++) if (bits & (1 << i)) out.push(tcpFlagNames[i]!);
  return out;
}

export const icmpV4Names: Record<number, string> = { 0: 'EchoReply', 3: 'DestinationUnreachable', 8: 'EchoRequest', 11: 'TimeExceeded' };
export const icmpV6Names: Record<number, string> = { 1: 'DestinationUnreachable', 3: 'TimeExceeded', 128: 'EchoRequest', 129: 'EchoReply' };
