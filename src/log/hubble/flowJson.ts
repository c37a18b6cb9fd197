// FlowEvent -> the flows topic's line, as UTF-8 bytes: exactly JSON.stringify(flowEventToHubble(...))
// (flowJson.test.ts compares the two over random events and contexts), written straight into the
// caller's buffer without building the record object, its strings, or the JSON text first. The
// flows topic takes hundreds of thousands of lines a second; the object graph per flow (a dozen
// objects, label arrays sorted per flow), its garbage and the UTF-8 encoding of the text cost
// more than the bytes themselves. Pieces that repeat are rendered once and kept as bytes: an
// endpoint's JSON (checked against the endpoint's fields on every use, so a changed endpoint is
// re-rendered), the TCP flags and summary per flags byte, the node name. Plain ASCII strings
// (addresses) are copied byte by byte; anything needing escapes goes through JSON.stringify.
import type { FlowEvent } from '../../datapath/decode/flowEvent.js';
import { FlowFlags } from '../../datapath/decode/flowEvent.js';
import { ByteWriter } from '../codec/bytes.js';
import { num, put, str } from '../codec/jsonBytes.js';
import type { Labels } from '../events.js';
import { writeEventId } from '../eventId.js';
import { writeTimeNs } from '../time.js';
import { hubbleDropReasons, hubbleVerdicts, icmpV4Names, icmpV6Names, MessageType, tcpFlagList, TraceSubtype } from './enums.js';
import type { EndpointInfo, FlowContext } from './flowContext.js';
import { hubbleEndpoint, worldEndpoint } from './hubbleEndpoint.js';

const PROTO_ICMP = 1;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_ICMPV6 = 58;

const q = JSON.stringify;
const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

const WORLD = utf8(q(worldEndpoint));

interface CachedEndpoint { ep: EndpointInfo; labels: Labels; json: Uint8Array }

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
export class EndpointJsonCache {
  private readonly byId = new Map<number, CachedEndpoint>();

  /** As UTF-8 bytes. */
  get(ep: EndpointInfo): Uint8Array {
    const hit = this.byId.get(ep.id);
    if (hit !== undefined && hit.ep.name === ep.name && hit.ep.namespace === ep.namespace
      && hit.ep.identity === ep.identity && sameLabels(hit.labels, ep.labels)) return hit.json;
    // Copies: the caller may change its objects in place later.
    if (this.byId.size > 65_536) this.byId.clear(); // ids are endpoint ids: bounded in practice
    const entry = { ep: { ...ep }, labels: { ...ep.labels }, json: utf8(q(hubbleEndpoint(ep))) };
    this.byId.set(ep.id, entry);
    return entry.json;
  }
}

/** Per TCP flags byte: the `"flags":{...}` member (or empty) and the `"Summary":"..."` member. */
const tcpFlagsJson: Uint8Array[] = [];
const tcpSummaryJson: Uint8Array[] = [];
for (let bits = 0; bits < 256; bits++) {
  const names = tcpFlagList(bits);
  tcpFlagsJson.push(utf8(names.length > 0 ? `"flags":{${names.map((n) => `"${n}":true`).join(',')}}` : ''));
  tcpSummaryJson.push(utf8(`"Summary":${q(names.length > 0 ? `TCP Flags: ${names.join(', ')}` : 'TCP')}`));
}

// Constant pieces, as bytes once. The members from event_type to is_reply of a flow that was not
// dropped depend only on (redirected, reply), so they are one piece per combination.
const TIME_OPEN = utf8('{"flow":{"time":"');
const UUID = utf8('","uuid":');
const verdictJson = new Map<string, Uint8Array>();
const DROP_REASON = utf8('"drop_reason":');
const COMMA = utf8(',');
const IP_SOURCE = utf8('"IP":{"source":');
const IP_DESTINATION = utf8(',"destination":');
const IPV4 = utf8(',"ipVersion":"IPv4"},');
const IPV6 = utf8(',"ipVersion":"IPv6"},');
const SOURCE = utf8('"source":');
const DESTINATION = utf8(',"destination":');
const TCP_OPEN = utf8('"l4":{"TCP":{');
const UDP_OPEN = utf8('"l4":{"UDP":{');
const ICMP4_OPEN = utf8('"l4":{"ICMPv4":{');
const ICMP6_OPEN = utf8('"l4":{"ICMPv6":{');
const L4_CLOSE = utf8('}},');
const TYPE = utf8('"type":');
const CODE = utf8('"code":');
const COMMA_CODE = utf8(',"code":');
const SOURCE_PORT = utf8('"source_port":');
const DESTINATION_PORT = utf8('"destination_port":');
const COMMA_DESTINATION_PORT = utf8(',"destination_port":');
const UDP_SUMMARY = utf8('"Summary":"UDP"');
/** [redirected * 2 + reply] */
const traceMembers = [false, true].flatMap((redirected) => [false, true].map((reply) => utf8(
  `"event_type":{"type":${MessageType.TRACE},"sub_type":${redirected ? TraceSubtype.TO_PROXY : TraceSubtype.FROM_ENDPOINT}},`
  + `"traffic_direction":"${reply ? 'INGRESS' : 'EGRESS'}","trace_observation_point":"${redirected ? 'TO_PROXY' : 'FROM_ENDPOINT'}",`
  + `"trace_reason":"${reply ? 'REPLY' : 'NEW'}","is_reply":${reply},`)));
const DROP_EVENT_TYPE = utf8(`"event_type":{"type":${MessageType.DROP},"sub_type":`);
/** [reply] */
const dropDirection = [utf8('},"traffic_direction":"EGRESS",'), utf8('},"traffic_direction":"INGRESS",')];
const DROP_DESC = utf8('"drop_reason_desc":');
const DROP_DESC_UNKNOWN = utf8('"drop_reason_desc":"DROP_REASON_UNKNOWN",');
const dropDescJson = new Map<string | number, Uint8Array>();
const INTERFACE = utf8('"interface":{"index":');
const INTERFACE_NAME = utf8(',"name":');
const INTERFACE_CLOSE = utf8('},');
const TIME_CLOSE = utf8('"}');

function verdictMember(verdict: string): Uint8Array {
  let bytes = verdictJson.get(verdict);
  if (bytes === undefined) verdictJson.set(verdict, (bytes = utf8(`,"verdict":${q(verdict)},`)));
  return bytes;
}

function dropDesc(desc: string | number): Uint8Array {
  let bytes = dropDescJson.get(desc);
  if (bytes === undefined) dropDescJson.set(desc, (bytes = utf8(`${q(desc)},`)));
  return bytes;
}

/**
 * `"a":A,"b":B` with each member left out when its value is 0 (proto3 JSON omits zero numbers):
 * `bKey` opens the second member when it comes first, `commaBKey` when it follows the first.
 */
function numberPair(out: ByteWriter, aKey: Uint8Array, a: number, bKey: Uint8Array, commaBKey: Uint8Array, b: number): void {
  if (a) {
    put(out, aKey);
    num(out, a);
  }
  if (b) {
    put(out, a ? commaBKey : bKey);
    num(out, b);
  }
}

/** Writes flow lines for one FlowContext, keeping the caches between calls. */
export class FlowJsonRenderer {
  private readonly endpoints = new EndpointJsonCache();
  private readonly sources = new Map<number, Uint8Array>();
  private nodeName: string | null = null;
  /** `,"Type":"L3_L4","node_name":NODE,` and `},"node_name":NODE,"time":"` for the node. */
  private nodeMiddle: Uint8Array = new Uint8Array(0);
  private nodeClose: Uint8Array = new Uint8Array(0);
  private lastNames: readonly string[] = [];
  private lastNamesJson: Uint8Array = new Uint8Array(0);
  private readonly scratch = new ByteWriter(4096);

  constructor(private readonly ctx: FlowContext) {}

  /** The line of `e` (time: flowTimeNs of it) as text, with `uuid` or a fresh event id. */
  render(e: FlowEvent, timeNs: bigint, uuid?: string): string {
    this.scratch.reset();
    this.write(e, timeNs, this.scratch, uuid);
    return this.scratch.buf.toString('utf8', 0, this.scratch.pos);
  }

  /** Appends the line of `e` to `out`. */
  write(e: FlowEvent, timeNs: bigint, out: ByteWriter, uuid?: string): void {
    const ctx = this.ctx;
    const verdict = hubbleVerdicts[e.verdict] ?? 'VERDICT_UNKNOWN';
    const dropped = verdict === 'DROPPED';
    const drop = dropped ? hubbleDropReasons[e.dropReason] : undefined;
    const isReply = (e.flags & FlowFlags.REPLY) !== 0;
    const ep = ctx.endpointById(e.endpointId);
    const peer = ctx.endpointByIp?.(e.dst);
    const names = ctx.namesForIp(e.endpointId, e.dst);
    if (ctx.nodeName !== this.nodeName) {
      this.nodeName = ctx.nodeName;
      this.nodeMiddle = utf8(`,"Type":"L3_L4","node_name":${q(ctx.nodeName)},`);
      this.nodeClose = utf8(`},"node_name":${q(ctx.nodeName)},"time":"`);
    }

    put(out, TIME_OPEN);
    const timeAt = out.pos;
    out.ensure(40);
    out.pos = writeTimeNs(timeNs, out.buf, out.pos);
    const timeEnd = out.pos;
    put(out, UUID);
    if (uuid === undefined) {
      out.ensure(38);
      out.buf[out.pos] = 0x22;
      out.pos = writeEventId(out.buf, out.pos + 1, Number(timeNs / 1_000_000n));
      out.buf[out.pos++] = 0x22;
    } else {
      str(out, uuid);
    }
    put(out, verdictMember(verdict));
    if (drop) {
      put(out, DROP_REASON);
      num(out, drop.code);
      put(out, COMMA);
    }
    put(out, IP_SOURCE);
    str(out, e.src);
    put(out, IP_DESTINATION);
    str(out, e.dst);
    put(out, e.family === 6 ? IPV6 : IPV4);
    const summary = this.layer4(e, out);
    put(out, SOURCE);
    put(out, ep ? this.endpoints.get(ep) : this.sourceId(e.endpointId));
    put(out, DESTINATION);
    put(out, peer ? this.endpoints.get(peer) : WORLD);
    put(out, this.nodeMiddle);
    if (names.length > 0) put(out, this.namesJson(names));
    if (dropped) {
      put(out, DROP_EVENT_TYPE);
      num(out, drop?.code ?? e.dropReason);
      put(out, dropDirection[isReply ? 1 : 0]!);
      if (drop) {
        put(out, DROP_DESC);
        put(out, dropDesc(drop.desc));
      } else {
        put(out, DROP_DESC_UNKNOWN);
      }
    } else {
      put(out, traceMembers[(verdict === 'REDIRECTED' ? 2 : 0) + (isReply ? 1 : 0)]!);
    }
    if (e.ifindex) {
      const ifname = ctx.interfaceName?.(e.ifindex);
      put(out, INTERFACE);
      num(out, e.ifindex);
      if (ifname) {
        put(out, INTERFACE_NAME);
        str(out, ifname);
      }
      put(out, INTERFACE_CLOSE);
    }
    put(out, summary);
    put(out, this.nodeClose);
    // The same time again: copied from where it was written above.
    out.ensure(timeEnd - timeAt + 2);
    out.buf.copyWithin(out.pos, timeAt, timeEnd);
    out.pos += timeEnd - timeAt;
    put(out, TIME_CLOSE);
  }

  /** Writes `"l4":{...},` (nothing for other protocols); returns the `"Summary":...` member. */
  private layer4(e: FlowEvent, out: ByteWriter): Uint8Array {
    switch (e.proto) {
      case PROTO_TCP: {
        // tcpFlagList reads bits 0-7 only, so any value renders as its low byte does.
        const bits = e.tcpFlags & 0xff;
        put(out, TCP_OPEN);
        this.ports(e, out, tcpFlagsJson[bits]!.length > 0);
        put(out, tcpFlagsJson[bits]!);
        put(out, L4_CLOSE);
        return tcpSummaryJson[bits]!;
      }
      case PROTO_UDP:
        put(out, UDP_OPEN);
        this.ports(e, out, false);
        put(out, L4_CLOSE);
        return UDP_SUMMARY;
      case PROTO_ICMP:
      case PROTO_ICMPV6: {
        const v6 = e.proto === PROTO_ICMPV6;
        put(out, v6 ? ICMP6_OPEN : ICMP4_OPEN);
        numberPair(out, TYPE, e.icmpType, CODE, COMMA_CODE, e.icmpCode);
        put(out, L4_CLOSE);
        const name = (v6 ? icmpV6Names : icmpV4Names)[e.icmpType] ?? `Type ${e.icmpType}`;
        return utf8(`"Summary":${q(`${v6 ? 'ICMPv6' : 'ICMPv4'} ${name}`)}`);
      }
      default:
        return utf8(`"Summary":${q(`IP protocol ${e.proto}`)}`);
    }
  }

  /** `"source_port":N,"destination_port":N` as far as set, and a comma when more follows. */
  private ports(e: FlowEvent, out: ByteWriter, more: boolean): void {
    numberPair(out, SOURCE_PORT, e.sport, DESTINATION_PORT, COMMA_DESTINATION_PORT, e.dport);
    if (more && (e.sport || e.dport)) put(out, COMMA);
  }

  /** `"destination_names":[...],`, kept while the FQDN cache keeps answering the same names. */
  private namesJson(names: readonly string[]): Uint8Array {
    const last = this.lastNames;
    let same = last.length === names.length;
    for (let i = 0; same && i < names.length; i++) same = last[i] === names[i];
    if (!same) {
      this.lastNames = [...names];
      this.lastNamesJson = utf8(`"destination_names":${q(this.lastNames)},`);
    }
    return this.lastNamesJson;
  }

  private sourceId(id: number): Uint8Array {
    let json = this.sources.get(id);
    if (json === undefined) {
      json = utf8(q({ ID: id }));
      if (this.sources.size > 65_536) this.sources.clear();
      this.sources.set(id, json);
    }
    return json;
  }
}
