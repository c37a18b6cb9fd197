// FlowEvent -> the flows topic's line, as text: exactly JSON.stringify(flowEventToHubble(...))
// (flowJson.test.ts compares the two over random events and contexts), without building the
// record object first. The flows topic takes hundreds of thousands of lines a second; the object
// graph per flow (a dozen objects, label arrays sorted per flow) and its garbage cost more than
// the JSON text itself. Pieces that repeat are rendered once and cached: an endpoint's JSON
// (checked against the endpoint's fields on every use, so a changed endpoint is re-rendered),
// the TCP flags and summary per flags byte, the node name.
import type { FlowEvent } from '../../datapath/decode/flowEvent.js';
import { FlowFlags } from '../../datapath/decode/flowEvent.js';
import type { Labels } from '../events.js';
import { newEventId } from '../eventId.js';
import { formatTimeNs } from '../time.js';
import { hubbleDropReasons, hubbleVerdicts, icmpV4Names, icmpV6Names, MessageType, tcpFlagList, TraceSubtype } from './enums.js';
import type { EndpointInfo, FlowContext } from './flowContext.js';
import { hubbleEndpoint, worldEndpoint } from './hubbleEndpoint.js';

const PROTO_ICMP = 1;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_ICMPV6 = 58;

const q = JSON.stringify;
/** A number as JSON.stringify writes it; integers (all the datapath gives) take the short way. */
const num = (n: number): string => ((n | 0) === n ? `${n}` : q(n));

const WORLD = q(worldEndpoint);

interface CachedEndpoint { ep: EndpointInfo; labels: Labels; json: string }

function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  let n = 0;
  for (const k in b) {
    if (a[k] !== b[k] || !Object.prototype.hasOwnProperty.call(a, k)) return false;
    n++;
  }
  for (const _ in a) n--;
  return n === 0;
}

/** The JSON of endpoints by id, re-rendered whenever a field it is made of differs. */
class EndpointJsonCache {
  private readonly byId = new Map<number, CachedEndpoint>();

  get(ep: EndpointInfo): string {
    const hit = this.byId.get(ep.id);
    if (hit !== undefined && hit.ep.name === ep.name && hit.ep.namespace === ep.namespace
      && hit.ep.identity === ep.identity && sameLabels(hit.labels, ep.labels)) return hit.json;
    const json = q(hubbleEndpoint(ep));
    // Copies: the caller may change its objects in place later.
    if (this.byId.size > 65_536) this.byId.clear(); // ids are endpoint ids: bounded in practice
    this.byId.set(ep.id, { ep: { ...ep }, labels: { ...ep.labels }, json });
    return json;
  }
}

/** Per TCP flags byte: the `"flags":{...}` member (or '') and the quoted Summary. */
const tcpFlagsJson: string[] = [];
const tcpSummaryJson: string[] = [];
for (let bits = 0; bits < 256; bits++) {
  const names = tcpFlagList(bits);
  tcpFlagsJson.push(names.length > 0 ? `"flags":{${names.map((n) => `"${n}":true`).join(',')}}` : '');
  tcpSummaryJson.push(q(names.length > 0 ? `TCP Flags: ${names.join(', ')}` : 'TCP'));
}

/** `"l4":{...},` (or '') and the quoted Summary of an event's layer 4, as flowRecord.ts's layer4(). */
function layer4(e: FlowEvent): [string, string] {
  switch (e.proto) {
    case PROTO_TCP: {
      // tcpFlagList reads bits 0-7 only, so any value renders as its low byte does.
      const bits = e.tcpFlags & 0xff;
      const parts: string[] = [];
      if (e.sport) parts.push(`"source_port":${num(e.sport)}`);
      if (e.dport) parts.push(`"destination_port":${num(e.dport)}`);
      if (tcpFlagsJson[bits] !== '') parts.push(tcpFlagsJson[bits]!);
      return [`"l4":{"TCP":{${parts.join(',')}}},`, tcpSummaryJson[bits]!];
    }
    case PROTO_UDP: {
      const parts: string[] = [];
      if (e.sport) parts.push(`"source_port":${num(e.sport)}`);
      if (e.dport) parts.push(`"destination_port":${num(e.dport)}`);
      return [`"l4":{"UDP":{${parts.join(',')}}},`, '"UDP"'];
    }
    case PROTO_ICMP:
    case PROTO_ICMPV6: {
      const parts: string[] = [];
      if (e.icmpType) parts.push(`"type":${num(e.icmpType)}`);
      if (e.icmpCode) parts.push(`"code":${num(e.icmpCode)}`);
      const v6 = e.proto === PROTO_ICMPV6;
      const name = (v6 ? icmpV6Names : icmpV4Names)[e.icmpType] ?? `Type ${e.icmpType}`;
      return [`"l4":{"${v6 ? 'ICMPv6' : 'ICMPv4'}":{${parts.join(',')}}},`, q(`${v6 ? 'ICMPv6' : 'ICMPv4'} ${name}`)];
    }
    default:
      return ['', q(`IP protocol ${e.proto}`)];
  }
}

/** Renders flow lines for one FlowContext, keeping the caches between calls. */
export class FlowJsonRenderer {
  private readonly endpoints = new EndpointJsonCache();
  private readonly sources = new Map<number, string>();
  private nodeName = '';
  private nodeNameJson = '""';

  constructor(private readonly ctx: FlowContext) {}

  /** The line of `e` (time: flowTimeNs of it), with `uuid` or a fresh event id. */
  render(e: FlowEvent, timeNs: bigint, uuid?: string): string {
    const ctx = this.ctx;
    const time = q(formatTimeNs(timeNs));
    const verdict = hubbleVerdicts[e.verdict] ?? 'VERDICT_UNKNOWN';
    const dropped = verdict === 'DROPPED';
    const drop = dropped ? hubbleDropReasons[e.dropReason] : undefined;
    const isReply = (e.flags & FlowFlags.REPLY) !== 0;
    const [l4, summary] = layer4(e);
    const ep = ctx.endpointById(e.endpointId);
    const peer = ctx.endpointByIp?.(e.dst);
    const names = ctx.namesForIp(e.endpointId, e.dst);
    if (ctx.nodeName !== this.nodeName) {
      this.nodeName = ctx.nodeName;
      this.nodeNameJson = q(ctx.nodeName);
    }
    const node = this.nodeNameJson;

    let s = `{"flow":{"time":${time},"uuid":${q(uuid ?? newEventId(Number(timeNs / 1_000_000n)))},"verdict":"${verdict}",`;
    if (drop) s += `"drop_reason":${num(drop.code)},`;
    s += `"IP":{"source":${q(e.src)},"destination":${q(e.dst)},"ipVersion":"${e.family === 6 ? 'IPv6' : 'IPv4'}"},${l4}`;
    s += `"source":${ep ? this.endpoints.get(ep) : this.sourceId(e.endpointId)},"destination":${peer ? this.endpoints.get(peer) : WORLD},`;
    s += `"Type":"L3_L4","node_name":${node},`;
    if (names.length > 0) s += `"destination_names":${q([...names])},`;
    if (dropped) s += `"event_type":{"type":${MessageType.DROP},"sub_type":${num(drop?.code ?? e.dropReason)}},`;
    else s += `"event_type":{"type":${MessageType.TRACE},"sub_type":${verdict === 'REDIRECTED' ? TraceSubtype.TO_PROXY : TraceSubtype.FROM_ENDPOINT}},`;
    s += `"traffic_direction":"${isReply ? 'INGRESS' : 'EGRESS'}",`;
    if (!dropped) s += `"trace_observation_point":"${verdict === 'REDIRECTED' ? 'TO_PROXY' : 'FROM_ENDPOINT'}","trace_reason":"${isReply ? 'REPLY' : 'NEW'}",`;
    if (drop) s += `"drop_reason_desc":${q(drop.desc)},`;
    else if (dropped) s += '"drop_reason_desc":"DROP_REASON_UNKNOWN",';
    if (!dropped) s += `"is_reply":${isReply},`;
    if (e.ifindex) {
      const ifname = ctx.interfaceName?.(e.ifindex);
      s += ifname ? `"interface":{"index":${num(e.ifindex)},"name":${q(ifname)}},` : `"interface":{"index":${num(e.ifindex)}},`;
    }
    return `${s}"Summary":${summary}},"node_name":${node},"time":${time}}`;
  }

  private sourceId(id: number): string {
    let json = this.sources.get(id);
    if (json === undefined) {
      json = q({ ID: id });
      if (this.sources.size > 65_536) this.sources.clear();
      this.sources.set(id, json);
    }
    return json;
  }
}
