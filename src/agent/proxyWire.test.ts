import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { DnsEvent, DnsExchange } from '../dns/index.js';
import { eventFromTuple, eventToTuple, exchangeFromTuple, exchangeToTuple } from './proxyWire.js';

// deterministic random values of every shape the fields take, nulls included
let seed = 0x2545f491;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const maybe = <T>(v: T): T | null => (rnd() < 0.3 ? null : v);
const text = () => pick(['a.example.', 'Ünïcode.test', '', 'x'.repeat(63), 'p1.bench.test', '10.0.0.1:53']);

function randomEvent(): DnsEvent {
  return {
    type: pick(['dns.request', 'dns.response'] as const),
    id: text(), causeId: maybe(text()), timeMs: 1_700_000_000_000 + rnd() * 1e6,
    data: {
      endpointId: maybe(Math.floor(rnd() * 70_000)), client: text(), transport: pick(['UDP', 'TCP'] as const), query: text(), qtype: pick(['A', 'AAAA', 'TXT']),
      rcode: pick(['NOERROR', 'NXDOMAIN', 'REFUSED', 'SERVFAIL']),
      answers: Array.from({ length: Math.floor(rnd() * 4) }, () => ({ name: text(), type: pick(['A', 'AAAA', 'CNAME']), ttl: Math.floor(rnd() * 86_400), data: text() })),
      verdict: pick(['allowed', 'denied'] as const), reason: pick([null, 'policy', 'unknown-client', 'overload', 'upstream-timeout', 'upstream-error', 'answer-held'] as const),
      policy: maybe(text()), rule: maybe(text()), server: maybe(text()), proxyLatencyUs: Math.floor(rnd() * 1e6), error: maybe(text()),
    },
  };
}

function randomExchange(): DnsExchange {
  const addresses = Array.from({ length: Math.floor(rnd() * 4) }, () => ({ ip: pick(['192.0.2.1', '2001:db8::1']), type: pick(['A', 'AAAA'] as const), ttl: Math.floor(rnd() * 86_400) }));
  return {
    dnsEventId: text(), endpointId: Math.floor(rnd() * 70_000), client: { addr: pick(['10.0.0.5', 'fd00::5']), port: Math.floor(rnd() * 65_536) },
    question: { qname: text(), qtype: pick(['A', 'AAAA']), server: pick(['10.0.0.10', 'fd00::10']), port: 53, protocol: pick(['UDP', 'TCP'] as const) },
    decision: { allowed: rnd() < 0.5, rule: maybe(text()), policy: maybe(text()) },
    answer: { rcode: pick(['NOERROR', 'NXDOMAIN']), addresses, cnames: Array.from({ length: Math.floor(rnd() * 3) }, text), ttlSec: addresses.length === 0 ? undefined : Math.floor(rnd() * 3600) },
    truncated: rnd() < 0.1, answeredAt: 1_700_000_000_000 + rnd() * 1e6,
  };
}

/** What the main thread gets: the tuple through the same serializer postMessage uses. */
const cross = <T>(v: T): T => deserialize(serialize(v)) as T;

describe('agent > proxy wire (events and exchanges across the threads)', () => {
  it('an event comes out as it went in (property over random events)', () => {
    for (let i = 0; i < 2000; i++) {
      const e = randomEvent();
      expect(eventFromTuple(cross(eventToTuple(e)))).toStrictEqual(e);
    }
  });

  it('an exchange comes out as it went in (property over random exchanges)', () => {
    for (let i = 0; i < 2000; i++) {
      const x = randomExchange();
      expect(exchangeFromTuple(cross(exchangeToTuple(x)))).toStrictEqual(x);
    }
  });
});
