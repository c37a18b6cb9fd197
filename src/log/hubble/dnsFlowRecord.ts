// A dns.request / dns.response event -> an L7 DNS flow on the flows topic, the way Cilium's DNS
// proxy access log appears in Hubble (pkg/hubble/parser/seven). The flow's uuid is the DNS
// event's id, so `sluice explain` and any consumer can go from one to the other. This is the
// record as an object, the reference: the log writes the same line as bytes through dnsFlowJson.ts,
// whose test holds the two equal.
import type { Envelope } from '../envelope.js';
import type { DnsEventType } from '../events.js';
import { MessageType } from './enums.js';
import type { FlowContext } from './flowContext.js';
import { hubbleEndpoint, worldEndpoint } from './hubbleEndpoint.js';
import type { HubbleDns, HubbleEndpoint, HubbleFlow, HubbleFlowRecord } from './types.js';

export const rcodeNumbers: Record<string, number> = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6, YXRRSET: 7, NXRRSET: 8, NOTAUTH: 9, NOTZONE: 10,
};
export const rcodeText: Record<string, string> = { NXDOMAIN: 'Non-Existent Domain', SERVFAIL: 'Server Failure', REFUSED: 'Refused', FORMERR: 'Format Error' };

/** `ip:port` or `[ip6]:port` -> parts. */
export function splitHostPort(server: string): { ip: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(server);
  return m ? { ip: m[1]!, port: Number(m[2]) } : { ip: server, port: 53 };
}

export function dnsEventToHubble(event: Envelope<DnsEventType>, ctx: FlowContext): HubbleFlowRecord {
  const d = event.data;
  const isResponse = event.type === 'dns.response';
  const ep = ctx.endpointById(d.endpoint.id);
  const pod: HubbleEndpoint = hubbleEndpoint(ep ?? { ...d.endpoint, labels: {} });
  const podIp = ep?.ipv4 ?? ep?.ipv6 ?? null;
  const server = splitHostPort(d.server);
  const name = d.query.replace(/\.$/, '').toLowerCase();
  const dns: HubbleDns = { query: `${name}.` };
  if (isResponse) {
    const ips = d.answers.filter((a) => a.type === 'A' || a.type === 'AAAA').map((a) => a.data);
    const cnames = d.answers.filter((a) => a.type === 'CNAME').map((a) => a.data.replace(/\.?$/, '.'));
    const ttl = d.answers.length > 0 ? Math.min(...d.answers.map((a) => a.ttl)) : 0;
    if (ips.length > 0) dns.ips = ips;
    if (ttl > 0) dns.ttl = ttl;
    if (cnames.length > 0) dns.cnames = cnames;
  }
  dns.observation_source = 'proxy';
  const rcode = rcodeNumbers[d.rcode] ?? 0;
  if (isResponse && rcode !== 0) dns.rcode = rcode;
  dns.qtypes = [d.qtype];
  if (isResponse && d.answers.length > 0) dns.rrtypes = [...new Set(d.answers.map((a) => a.type))];

  const denied = d.verdict === 'denied';
  const flow: HubbleFlow = { time: event.time, uuid: event.id, verdict: denied ? 'DROPPED' : 'FORWARDED' } as HubbleFlow;
  if (denied) flow.drop_reason = 133;
  if (podIp !== null) {
    const v6 = podIp.includes(':');
    flow.IP = isResponse
      ? { source: server.ip, destination: podIp, ipVersion: v6 ? 'IPv6' : 'IPv4' }
      : { source: podIp, destination: server.ip, ipVersion: v6 ? 'IPv6' : 'IPv4' };
  }
  flow.l4 = { UDP: isResponse ? { source_port: server.port } : { destination_port: server.port } };
  flow.source = isResponse ? worldEndpoint : pod;
  flow.destination = isResponse ? pod : worldEndpoint;
  flow.Type = 'L7';
  flow.node_name = ctx.nodeName;
  if (isResponse) flow.source_names = [name];
  else flow.destination_names = [name];
  flow.l7 = { type: isResponse ? 'RESPONSE' : 'REQUEST' };
  if (isResponse && d.proxyLatencyUs > 0) flow.l7.latency_ns = String(Math.round(d.proxyLatencyUs * 1000));
  flow.l7.dns = dns;
  flow.event_type = { type: MessageType.ACCESS_LOG };
  flow.traffic_direction = 'EGRESS';
  if (denied) flow.drop_reason_desc = 'POLICY_DENIED';
  flow.is_reply = isResponse;
  flow.Summary = isResponse
    ? (rcode !== 0
      ? `DNS Answer RCode: ${rcodeText[d.rcode] ?? d.rcode} TTL: 0 (Proxy ${dns.query} ${d.qtype})`
      : `DNS Answer "${(dns.ips ?? []).join(',')}"${dns.cnames ? ` CNAMEs: "${dns.cnames.join(',')}"` : ''} TTL: ${dns.ttl ?? 0} (Proxy ${dns.query} ${d.qtype})`)
    : `DNS Query ${dns.query} ${d.qtype}`;
  return { flow, node_name: ctx.nodeName, time: event.time };
}
