// A dns.request / dns.response event -> its L7 line on the flows topic: exactly
// JSON.stringify(dnsEventToHubble(...)) (dnsFlowJson.test.ts compares the two over random events
// and contexts), written as UTF-8 straight into the caller's buffer without building the record or
// the line's text. The proxy logs two of these per query; the record's object graph, and then the
// line built as a string of many pieces, were the largest share of what logging a DNS exchange
// allocated. The pod's endpoint JSON is rendered once per endpoint (EndpointJsonCache re-renders
// it when a field changes); the rest is constant pieces in the record's member order.
import type { Envelope } from '../envelope.js';
import type { DnsEventType } from '../events.js';
import { rcodeNumbers, rcodeText, splitHostPort } from './dnsFlowRecord.js';
import { MessageType } from './enums.js';
import type { FlowContext } from './flowContext.js';
import { EndpointJsonCache } from './flowJson.js';
import { jsonString, num, put, str } from '../codec/jsonBytes.js';
import { ByteWriter } from '../codec/bytes.js';
import { worldEndpoint } from './hubbleEndpoint.js';

const q = JSON.stringify;
const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const WORLD = utf8(q(worldEndpoint));

// The line's constant pieces, as bytes once, in the record's member order.
const FLOW_TIME = utf8('{"flow":{"time":');
const UUID = utf8(',"uuid":');
const VERDICT_DROPPED = utf8(',"verdict":"DROPPED","drop_reason":133');
const VERDICT_FORWARDED = utf8(',"verdict":"FORWARDED"');
const IP_SOURCE = utf8(',"IP":{"source":');
const IP_DESTINATION = utf8(',"destination":');
const IPV4_CLOSE = utf8(',"ipVersion":"IPv4"}');
const IPV6_CLOSE = utf8(',"ipVersion":"IPv6"}');
const L4_SOURCE_PORT = utf8(',"l4":{"UDP":{"source_port":');
const L4_DESTINATION_PORT = utf8(',"l4":{"UDP":{"destination_port":');
const L4_CLOSE_SOURCE = utf8('}},"source":');
const DESTINATION = utf8(',"destination":');
const TYPE_NODE = utf8(',"Type":"L7","node_name":');
const SOURCE_NAMES = utf8(',"source_names":[');
const DESTINATION_NAMES = utf8(',"destination_names":[');
const L7_RESPONSE = utf8('],"l7":{"type":"RESPONSE"');
const L7_REQUEST = utf8('],"l7":{"type":"REQUEST"');
const LATENCY = utf8(',"latency_ns":"');
const QUOTE = utf8('"');
const DNS_QUERY = utf8(',"dns":{"query":');
const IPS = utf8(',"ips":');
const TTL = utf8(',"ttl":');
const CNAMES = utf8(',"cnames":');
const OBSERVATION_SOURCE = utf8(',"observation_source":"proxy"');
const RCODE = utf8(',"rcode":');
const QTYPES = utf8(',"qtypes":[');
const BRACKET_CLOSE = utf8(']');
const RRTYPES = utf8(',"rrtypes":');
const DNS_CLOSE_TAIL = utf8(`}},"event_type":{"type":${MessageType.ACCESS_LOG}},"traffic_direction":"EGRESS"`);
const DROP_REASON_DESC = utf8(',"drop_reason_desc":"POLICY_DENIED"');
const IS_REPLY_TRUE = utf8(',"is_reply":true,"Summary":');
const IS_REPLY_FALSE = utf8(',"is_reply":false,"Summary":');
const NODE_NAME = utf8('},"node_name":');
const TIME = utf8(',"time":');
const CLOSE = utf8('}');
const OPEN_BRACKET = utf8('[');
const COMMA = utf8(',');
/** A quote inside a JSON string. */
const ESCAPED_QUOTE = utf8('\\"');

/** A JSON array of strings. */
function strings(out: ByteWriter, values: readonly string[]): void {
  put(out, OPEN_BRACKET);
  for (let i = 0; i < values.length; i++) {
    if (i > 0) put(out, COMMA);
    str(out, values[i]!);
  }
  put(out, BRACKET_CLOSE);
}

/** Values joined by commas, inside a JSON string (as values.join(',') would read). */
function list(out: ByteWriter, values: readonly string[]): void {
  for (let i = 0; i < values.length; i++) {
    if (i > 0) jsonString.part(out, ',');
    jsonString.part(out, values[i]!);
  }
}

/** Bound of the per-string caches below (query names and servers repeat; past it they start afresh). */
const MAX_CACHED = 4096;

export class DnsFlowJsonRenderer {
  private readonly endpoints = new EndpointJsonCache();
  private nodeName: string | null = null;
  private nodeJson: Uint8Array = new Uint8Array(0);
  private readonly scratch = new ByteWriter(4096);
  // The query's spellings and the server's parts, by the event's strings: popular names and the
  // few resolvers repeat, and deriving them (a regular expression, case folding) was a share of
  // every line's garbage.
  private readonly queries = new Map<string, { name: string; query: string }>();
  private readonly servers = new Map<string, { ip: string; port: number }>();

  constructor(private readonly ctx: FlowContext) {}

  private queryOf(raw: string): { name: string; query: string } {
    let hit = this.queries.get(raw);
    if (hit === undefined) {
      const name = raw.replace(/\.$/, '').toLowerCase();
      hit = { name, query: `${name}.` };
      if (this.queries.size >= MAX_CACHED) this.queries.clear();
      this.queries.set(raw, hit);
    }
    return hit;
  }

  private serverOf(raw: string): { ip: string; port: number } {
    let hit = this.servers.get(raw);
    if (hit === undefined) {
      hit = splitHostPort(raw);
      if (this.servers.size >= MAX_CACHED) this.servers.clear();
      this.servers.set(raw, hit);
    }
    return hit;
  }

  /** The line of `event` as text. */
  render(event: Envelope<DnsEventType>): string {
    this.scratch.reset();
    this.write(event, this.scratch);
    return this.scratch.buf.toString('utf8', 0, this.scratch.pos);
  }

  /** Appends the line of `event` to `out`, as UTF-8. */
  write(event: Envelope<DnsEventType>, out: ByteWriter): void {
    const d = event.data;
    const isResponse = event.type === 'dns.response';
    const ep = this.ctx.endpointById(d.endpoint.id);
    const pod = this.endpoints.get(ep ?? { ...d.endpoint, labels: {} });
    const podIp = ep?.ipv4 ?? ep?.ipv6 ?? null;
    const server = this.serverOf(d.server);
    const { name, query } = this.queryOf(d.query);
    if (this.nodeName !== this.ctx.nodeName) {
      this.nodeName = this.ctx.nodeName;
      this.nodeJson = utf8(q(this.nodeName));
    }
    const denied = d.verdict === 'denied';
    const rcode = rcodeNumbers[d.rcode] ?? 0;

    put(out, FLOW_TIME);
    str(out, event.time);
    put(out, UUID);
    str(out, event.id);
    put(out, denied ? VERDICT_DROPPED : VERDICT_FORWARDED);
    if (podIp !== null) {
      put(out, IP_SOURCE);
      str(out, isResponse ? server.ip : podIp);
      put(out, IP_DESTINATION);
      str(out, isResponse ? podIp : server.ip);
      put(out, podIp.includes(':') ? IPV6_CLOSE : IPV4_CLOSE);
    }
    put(out, isResponse ? L4_SOURCE_PORT : L4_DESTINATION_PORT);
    num(out, server.port);
    put(out, L4_CLOSE_SOURCE);
    put(out, isResponse ? WORLD : pod);
    put(out, DESTINATION);
    put(out, isResponse ? pod : WORLD);
    put(out, TYPE_NODE);
    put(out, this.nodeJson);
    put(out, isResponse ? SOURCE_NAMES : DESTINATION_NAMES);
    str(out, name);
    put(out, isResponse ? L7_RESPONSE : L7_REQUEST);
    if (isResponse && d.proxyLatencyUs > 0) {
      put(out, LATENCY);
      num(out, Math.round(d.proxyLatencyUs * 1000));
      put(out, QUOTE);
    }

    // the dns member
    put(out, DNS_QUERY);
    str(out, query);
    const ips: string[] = [];
    const cnames: string[] = [];
    let ttl = 0;
    if (isResponse) {
      for (const a of d.answers) {
        if (a.type === 'A' || a.type === 'AAAA') ips.push(a.data);
        else if (a.type === 'CNAME') cnames.push(a.data.replace(/\.?$/, '.'));
      }
      ttl = d.answers.length > 0 ? Infinity : 0;
      for (const a of d.answers) if (a.ttl < ttl) ttl = a.ttl;
      if (ips.length > 0) {
        put(out, IPS);
        strings(out, ips);
      }
      if (ttl > 0) {
        put(out, TTL);
        num(out, ttl);
      }
      if (cnames.length > 0) {
        put(out, CNAMES);
        strings(out, cnames);
      }
    }
    put(out, OBSERVATION_SOURCE);
    if (isResponse && rcode !== 0) {
      put(out, RCODE);
      num(out, rcode);
    }
    put(out, QTYPES);
    str(out, d.qtype);
    put(out, BRACKET_CLOSE);
    if (isResponse && d.answers.length > 0) {
      // distinct types in order of first appearance, as [...new Set(types)] lists them
      const types: string[] = [];
      for (const a of d.answers) if (!types.includes(a.type)) types.push(a.type);
      put(out, RRTYPES);
      strings(out, types);
    }
    put(out, DNS_CLOSE_TAIL);
    if (denied) put(out, DROP_REASON_DESC);
    put(out, isResponse ? IS_REPLY_TRUE : IS_REPLY_FALSE);
    // the Summary, written in pieces (as one string it was a good share of each line's garbage)
    const j = jsonString;
    j.open(out);
    if (!isResponse) {
      j.part(out, 'DNS Query ');
    } else if (rcode !== 0) {
      j.part(out, 'DNS Answer RCode: ');
      j.part(out, rcodeText[d.rcode] ?? d.rcode);
      j.part(out, ' TTL: 0 (Proxy ');
    } else {
      j.part(out, 'DNS Answer ');
      put(out, ESCAPED_QUOTE);
      list(out, ips);
      put(out, ESCAPED_QUOTE);
      if (cnames.length > 0) {
        j.part(out, ' CNAMEs: ');
        put(out, ESCAPED_QUOTE);
        list(out, cnames);
        put(out, ESCAPED_QUOTE);
      }
      j.part(out, ' TTL: ');
      num(out, ttl > 0 ? ttl : 0); // digits need no escaping
      j.part(out, ' (Proxy ');
    }
    j.part(out, query);
    j.part(out, ' ');
    j.part(out, d.qtype);
    if (isResponse) j.part(out, ')');
    j.close(out);
    put(out, NODE_NAME);
    put(out, this.nodeJson);
    put(out, TIME);
    str(out, event.time);
    put(out, CLOSE);
  }
}
