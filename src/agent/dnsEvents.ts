// The DNS proxy's events, as drafts for the dns topic. The proxy names its events itself (the id
// travels into fqdn.allowed as the cause), so the draft keeps that id.
import type { DnsEvent } from '../dns/index.js';
import type { EventDraft } from '../log/envelope.js';

export interface EndpointNames {
  get(id: number): { name: string; namespace: string } | undefined;
}

export function dnsEventDraft(e: DnsEvent, endpoints: EndpointNames): EventDraft<'dns.request' | 'dns.response'> {
  const d = e.data;
  const ep = d.endpointId === null ? undefined : endpoints.get(d.endpointId);
  return {
    type: e.type,
    id: e.id,
    causeId: e.causeId,
    timeMs: e.timeMs,
    data: {
      endpoint: { id: d.endpointId ?? 0, name: ep?.name ?? `(not an endpoint: ${d.client})`, namespace: ep?.namespace ?? '' },
      query: d.query,
      qtype: d.qtype,
      rcode: d.rcode,
      answers: d.answers,
      verdict: d.verdict,
      policy: d.policy,
      rule: d.rule ?? d.reason,
      server: d.server ?? '',
      proxyLatencyUs: d.proxyLatencyUs,
    },
  };
}
