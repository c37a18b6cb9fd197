// FlowEvent (the datapath's record, src/datapath/decode/flowEvent.ts) -> one line of the flows
// topic in Hubble's jsonpb form. Pure: everything outside the event comes in through the context.
//
// Every event comes from the tc program on the pod's side of the veth (sluice_from_pod), so the
// endpoint is the source. A packet with FLOW_F_REPLY answers a connection opened towards the pod:
// Hubble calls that INGRESS with is_reply, as Cilium flips direction for conntrack replies.
import type { FlowEvent } from '../../datapath/decode/flowEvent.js';
import { FlowFlags } from '../../datapath/decode/flowEvent.js';
import { newEventId } from '../eventId.js';
import { formatTimeNs } from '../time.js';
import { hubbleDropReasons, hubbleVerdicts, icmpV4Names, icmpV6Names, MessageType, tcpFlagList, TraceSubtype } from './enums.js';
import type { FlowContext } from './flowContext.js';
import { hubbleEndpoint, worldEndpoint } from './hubbleEndpoint.js';
import type { HubbleFlow, HubbleFlowRecord, HubbleLayer4, HubbleTcpFlags } from './types.js';

const PROTO_ICMP = 1;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_ICMPV6 = 58;

function layer4(e: FlowEvent): { l4: HubbleLayer4 | undefined; summary: string } {
  switch (e.proto) {
    case PROTO_TCP: {
      const names = tcpFlagList(e.tcpFlags);
      const flags: HubbleTcpFlags = {};
      for (const n of names) flags[n] = true;
      const tcp: { source_port?: number; destination_port?: number; flags?: HubbleTcpFlags } = {};
      if (e.sport) tcp.source_port = e.sport;
      if (e.dport) tcp.destination_port = e.dport;
      if (names.length > 0) tcp.flags = flags;
      return { l4: { TCP: tcp }, summary: names.length > 0 ? `TCP Flags: ${names.join(', ')}` : 'TCP' };
    }
    case PROTO_UDP: {
      const udp: { source_port?: number; destination_port?: number } = {};
      if (e.sport) udp.source_port = e.sport;
      if (e.dport) udp.destination_port = e.dport;
      return { l4: { UDP: udp }, summary: 'UDP' };
    }
    case PROTO_ICMP:
    case PROTO_ICMPV6: {
      const icmp: { type?: number; code?: number } = {};
      if (e.icmpType) icmp.type = e.icmpType;
      if (e.icmpCode) icmp.code = e.icmpCode;
      const v6 = e.proto === PROTO_ICMPV6;
      const name = (v6 ? icmpV6Names : icmpV4Names)[e.icmpType] ?? `Type ${e.icmpType}`;
      return v6 ? { l4: { ICMPv6: icmp }, summary: `ICMPv6 ${name}` } : { l4: { ICMPv4: icmp }, summary: `ICMPv4 ${name}` };
    }
    default:
      return { l4: undefined, summary: `IP protocol ${e.proto}` };
  }
}

/** The epoch-ns time of a datapath event. */
export const flowTimeNs = (e: FlowEvent, ctx: FlowContext): bigint => e.timestampNs + ctx.bootTimeOffsetNs;

export function flowEventToHubble(e: FlowEvent, ctx: FlowContext, uuid?: string): HubbleFlowRecord {
  const timeNs = flowTimeNs(e, ctx);
  const time = formatTimeNs(timeNs);
  const verdict = hubbleVerdicts[e.verdict] ?? 'VERDICT_UNKNOWN';
  const dropped = verdict === 'DROPPED';
  const drop = dropped ? hubbleDropReasons[e.dropReason] : undefined;
  const isReply = (e.flags & FlowFlags.REPLY) !== 0;
  const { l4, summary } = layer4(e);
  const ep = ctx.endpointById(e.endpointId);
  const peer = ctx.endpointByIp?.(e.dst);
  const names = ctx.namesForIp(e.endpointId, e.dst);

  const flow: HubbleFlow = {
    time,
    uuid: uuid ?? newEventId(Number(timeNs / 1_000_000n)),
    verdict,
  } as HubbleFlow;
  if (drop) flow.drop_reason = drop.code;
  flow.IP = { source: e.src, destination: e.dst, ipVersion: e.family === 6 ? 'IPv6' : 'IPv4' };
  if (l4) flow.l4 = l4;
  flow.source = ep ? hubbleEndpoint(ep) : { ID: e.endpointId };
  flow.destination = peer ? hubbleEndpoint(peer) : worldEndpoint;
  flow.Type = 'L3_L4';
  flow.node_name = ctx.nodeName;
  if (names.length > 0) flow.destination_names = [...names];
  if (dropped) {
    flow.event_type = { type: MessageType.DROP, sub_type: drop?.code ?? e.dropReason };
  } else if (verdict === 'REDIRECTED') {
    flow.event_type = { type: MessageType.TRACE, sub_type: TraceSubtype.TO_PROXY };
  } else {
    flow.event_type = { type: MessageType.TRACE, sub_type: TraceSubtype.FROM_ENDPOINT };
  }
  flow.traffic_direction = isReply ? 'INGRESS' : 'EGRESS';
  if (!dropped) {
    flow.trace_observation_point = verdict === 'REDIRECTED' ? 'TO_PROXY' : 'FROM_ENDPOINT';
    flow.trace_reason = isReply ? 'REPLY' : 'NEW';
  }
  if (drop) flow.drop_reason_desc = drop.desc;
  else if (dropped) flow.drop_reason_desc = 'DROP_REASON_UNKNOWN';
  // Cilium leaves is_reply unset for drops: the datapath does not know the connection's direction.
  if (!dropped) flow.is_reply = isReply;
  if (e.ifindex) {
    const ifname = ctx.interfaceName?.(e.ifindex);
    flow.interface = ifname ? { index: e.ifindex, name: ifname } : { index: e.ifindex };
  }
  flow.Summary = summary;
  return { flow, node_name: ctx.nodeName, time };
}
