// A dns.request / dns.response event -> its L7 line on the flows topic: exactly
// JSON.stringify(dnsEventToHubble(...)) (dnsFlowJson.test.ts compares the two over random events
// and contexts), rendered as text without building the record. The proxy logs two of these per
// query; the record's object graph (the pod's endpoint with its sorted labels, nested l4, l7 and
// dns objects) and its generic serialisation were the largest cost of logging a DNS exchange.
// The pod's endpoint JSON is rendered once per endpoint (EndpointJsonCache re-renders it when a
// field changes); the rest is a template in the record's member order.
import type { Envelope } from '../envelope.js';
import type { DnsEventType } from '../events.js';
import { rcodeNumbers, rcodeText, splitHostPort } from './dnsFlowRecord.js';
import { MessageType } from './enums.js';
import type { FlowContext } from './flowContext.js';
import { EndpointJsonCache } from './flowJson.js';
import { worldEndpoint } from './hubbleEndpoint.js';

const q = JSON.stringify;
const WORLD = q(worldEndpoint);
const TAIL_MEMBERS = `"event_type":{"type":${MessageType.ACCESS_LOG}},"traffic_direction":"EGRESS"`;

/** Bound of the per-string caches below (query names and servers repeat; past it they start afresh). */
const MAX_CACHED = 4096;

export class DnsFlowJsonRenderer {
  private readonly endpoints = new EndpointJsonCache();
  private nodeName: string | null = null;
  private nodeJson = '';
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

  render(event: Envelope<DnsEventType>): string {
    const d = event.data;
    const isResponse = event.type === 'dns.response';
    const ep = this.ctx.endpointById(d.endpoint.id);
    const pod = this.endpoints.text(ep ?? { ...d.endpoint, labels: {} });
    const podIp = ep?.ipv4 ?? ep?.ipv6 ?? null;
    const server = this.serverOf(d.server);
    const { name, query } = this.queryOf(d.query);
    if (this.nodeName !== this.ctx.nodeName) {
      this.nodeName = this.ctx.nodeName;
      this.nodeJson = q(this.nodeName);
    }

    let dns = `{"query":${q(query)}`;
    let ips: string[] = [];
    let cnames: string[] = [];
    let ttl = 0;
    if (isResponse) {
      ips = [];
      cnames = [];
      for (const a of d.answers) {
        if (a.type === 'A' || a.type === 'AAAA') ips.push(a.data);
        else if (a.type === 'CNAME') cnames.push(a.data.replace(/\.?$/, '.'));
      }
      ttl = d.answers.length > 0 ? Infinity : 0;
      for (const a of d.answers) if (a.ttl < ttl) ttl = a.ttl;
      if (ips.length > 0) dns += `,"ips":${q(ips)}`;
      if (ttl > 0) dns += `,"ttl":${q(ttl)}`;
      if (cnames.length > 0) dns += `,"cnames":${q(cnames)}`;
    }
    dns += ',"observation_source":"proxy"';
    const rcode = rcodeNumbers[d.rcode] ?? 0;
    if (isResponse && rcode !== 0) dns += `,"rcode":${rcode}`;
    dns += `,"qtypes":[${q(d.qtype)}]`;
    if (isResponse && d.answers.length > 0) {
      // distinct types in order of first appearance, as [...new Set(types)] lists them
      const types: string[] = [];
      for (const a of d.answers) if (!types.includes(a.type)) types.push(a.type);
      dns += `,"rrtypes":${q(types)}`;
    }
    dns += '}';

    const denied = d.verdict === 'denied';
    const time = q(event.time);
    let s = `{"flow":{"time":${time},"uuid":${q(event.id)},"verdict":"${denied ? 'DROPPED' : 'FORWARDED'}"`;
    if (denied) s += ',"drop_reason":133';
    if (podIp !== null) {
      const version = podIp.includes(':') ? 'IPv6' : 'IPv4';
      s += isResponse
        ? `,"IP":{"source":${q(server.ip)},"destination":${q(podIp)},"ipVersion":"${version}"}`
        : `,"IP":{"source":${q(podIp)},"destination":${q(server.ip)},"ipVersion":"${version}"}`;
    }
    s += isResponse
      ? `,"l4":{"UDP":{"source_port":${server.port}}},"source":${WORLD},"destination":${pod}`
      : `,"l4":{"UDP":{"destination_port":${server.port}}},"source":${pod},"destination":${WORLD}`;
    s += `,"Type":"L7","node_name":${this.nodeJson},${isResponse ? '"source_names"' : '"destination_names"'}:[${q(name)}]`;
    s += `,"l7":{"type":"${isResponse ? 'RESPONSE' : 'REQUEST'}"`;
    if (isResponse && d.proxyLatencyUs > 0) s += `,"latency_ns":"${Math.round(d.proxyLatencyUs * 1000)}"`;
    s += `,"dns":${dns}},${TAIL_MEMBERS}`;
    if (denied) s += ',"drop_reason_desc":"POLICY_DENIED"';
    const summary = isResponse
      ? (rcode !== 0
        ? `DNS Answer RCode: ${rcodeText[d.rcode] ?? d.rcode} TTL: 0 (Proxy ${query} ${d.qtype})`
        : `DNS Answer "${ips.join(',')}"${cnames.length > 0 ? ` CNAMEs: "${cnames.join(',')}"` : ''} TTL: ${ttl > 0 ? ttl : 0} (Proxy ${query} ${d.qtype})`)
      : `DNS Query ${query} ${d.qtype}`;
    s += `,"is_reply":${isResponse},"Summary":${q(summary)}},"node_name":${this.nodeJson},"time":${time}}`;
    return s;
  }
}
