// How DNS events and exchanges cross from the proxy thread to the main thread: as flat arrays of
// primitives, not as the objects themselves. postMessage's structured clone writes every property
// name of every object and the receiving side rebuilds each object key by key; per query (two
// events and an exchange, some sixty properties) that took about 11 µs between the two threads,
// flat arrays about 5 (measured with v8.serialize/deserialize, the same serializer). The decoders
// rebuild the exact objects the hooks take (proxyWire.test.ts checks the round trip).
import type { DnsEvent, DnsEventData, DnsExchange, DnsTransport } from '../dns/index.js';

export type EventTuple = readonly unknown[];
export type ExchangeTuple = readonly unknown[];

const NO_TTL = -1;

export function eventToTuple(e: DnsEvent): EventTuple {
  const d = e.data;
  const answers: unknown[] = [];
  for (const a of d.answers) answers.push(a.name, a.type, a.ttl, a.data);
  return [
    e.type === 'dns.request' ? 0 : 1, e.id, e.causeId, e.timeMs,
    d.endpointId, d.client, d.transport, d.query, d.qtype, d.rcode, answers, d.verdict, d.reason, d.policy, d.rule, d.server, d.proxyLatencyUs, d.error,
  ];
}

export function eventFromTuple(t: EventTuple): DnsEvent {
  const flat = t[10] as unknown[];
  const answers: DnsEventData['answers'] = [];
  for (let i = 0; i < flat.length; i += 4) answers.push({ name: flat[i] as string, type: flat[i + 1] as string, ttl: flat[i + 2] as number, data: flat[i + 3] as string });
  return {
    type: t[0] === 0 ? 'dns.request' : 'dns.response',
    id: t[1] as string,
    causeId: t[2] as string | null,
    timeMs: t[3] as number,
    data: {
      endpointId: t[4] as number | null,
      client: t[5] as string,
      transport: t[6] as DnsTransport,
      query: t[7] as string,
      qtype: t[8] as string,
      rcode: t[9] as string,
      answers,
      verdict: t[11] as DnsEventData['verdict'],
      reason: t[12] as DnsEventData['reason'],
      policy: t[13] as string | null,
      rule: t[14] as string | null,
      server: t[15] as string | null,
      proxyLatencyUs: t[16] as number,
      error: t[17] as string | null,
    },
  };
}

export function exchangeToTuple(x: DnsExchange): ExchangeTuple {
  const q = x.question;
  const a = x.answer;
  const addresses: unknown[] = [];
  for (const addr of a.addresses) addresses.push(addr.ip, addr.type === 'A' ? 4 : 6, addr.ttl);
  return [
    x.dnsEventId, x.endpointId, x.client.addr, x.client.port,
    q.qname, q.qtype, q.server, q.port, q.protocol,
    x.decision.allowed, x.decision.rule, x.decision.policy,
    a.rcode, addresses, a.cnames, a.ttlSec ?? NO_TTL,
    x.truncated, x.answeredAt,
  ];
}

export function exchangeFromTuple(t: ExchangeTuple): DnsExchange {
  const flat = t[13] as unknown[];
  const addresses: DnsExchange['answer']['addresses'] = [];
  for (let i = 0; i < flat.length; i += 3) addresses.push({ ip: flat[i] as string, type: flat[i + 1] === 4 ? 'A' : 'AAAA', ttl: flat[i + 2] as number });
  const ttlSec = t[15] as number;
  return {
    dnsEventId: t[0] as string,
    endpointId: t[1] as number,
    client: { addr: t[2] as string, port: t[3] as number },
    question: { qname: t[4] as string, qtype: t[5] as string, server: t[6] as string, port: t[7] as number, protocol: t[8] as DnsTransport },
    decision: { allowed: t[9] as boolean, rule: t[10] as string | null, policy: t[11] as string | null },
    answer: { rcode: t[12] as string, addresses, cnames: t[14] as string[], ttlSec: ttlSec === NO_TTL ? undefined : ttlSec },
    truncated: t[16] as boolean,
    answeredAt: t[17] as number,
  };
}
