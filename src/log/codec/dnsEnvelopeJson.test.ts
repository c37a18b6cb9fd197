import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dnsEventDraft } from '../../agent/dnsEvents.js';
import type { DnsEvent } from '../../dns/index.js';
import { createEnvelopeStamper, type Envelope } from '../envelope.js';
import type { DnsEventType } from '../events.js';
import { ByteWriter } from './bytes.js';
import { writeDnsEnvelopeJson } from './dnsEnvelopeJson.js';
import { jsonEnvelopeCodec } from './jsonEnvelopeCodec.js';

// names and data as they come: ASCII, quotes, backslashes, control characters, non-ASCII
const text = fc.oneof(fc.string(), fc.constantFrom('p1.bench.test.', 'a"b\\c', 'tab\there', 'Ünïcode.test', '\u2028', ''));
const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

const dnsEvent: fc.Arbitrary<DnsEvent> = fc.record({
  type: fc.constantFrom('dns.request' as const, 'dns.response' as const),
  id: text,
  causeId: nullable(text),
  timeMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
  data: fc.record({
    endpointId: nullable(fc.integer({ min: 0, max: 2 ** 31 - 1 })),
    client: text,
    transport: fc.constantFrom('UDP' as const, 'TCP' as const),
    query: text,
    qtype: fc.constantFrom('A', 'AAAA', 'CNAME', 'TXT'),
    rcode: fc.constantFrom('NOERROR', 'NXDOMAIN', 'REFUSED', 'SERVFAIL'),
    answers: fc.array(fc.record({ name: text, type: fc.constantFrom('A', 'AAAA', 'CNAME'), ttl: fc.nat(), data: text }), { maxLength: 4 }),
    verdict: fc.constantFrom('allowed' as const, 'denied' as const),
    reason: fc.constantFrom(null, 'policy' as const, 'unknown-client' as const, 'overload' as const),
    policy: nullable(text),
    rule: nullable(text),
    server: nullable(text),
    // integers as the proxy gives them, and a fraction or a negative, which go through JSON.stringify
    proxyLatencyUs: fc.oneof(fc.nat(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    error: nullable(text),
  }),
});

const endpoints = new Map([[7, { name: 'web-0', namespace: 'default' }], [8, { name: 'Pöd "quoted"', namespace: 'ns\\x' }]]);

describe('log > codec > dns envelope JSON', () => {
  it('writes what JSON.stringify writes for every envelope the log stamps from a proxy event (property)', () => {
    const stamper = createEnvelopeStamper('node-1', 1);
    const out = new ByteWriter(64);
    fc.assert(
      fc.property(dnsEvent, fc.constantFrom(7, 8, 9, null), (event, endpointId) => {
        const e = stamper.stamp(dnsEventDraft({ ...event, data: { ...event.data, endpointId } }, endpoints)) as Envelope<DnsEventType>;
        out.reset();
        writeDnsEnvelopeJson(e, out);
        expect(out.buf.toString('utf8', 0, out.pos)).toBe(JSON.stringify(e));
      }),
      { numRuns: 3000 },
    );
  });

  it('the dns topic codec reads back what it wrote, for DNS events and others', () => {
    const stamper = createEnvelopeStamper('node-1', 1);
    const encode = jsonEnvelopeCodec.encoder();
    const decode = jsonEnvelopeCodec.decoder();
    const envelopes: Envelope[] = [
      stamper.stamp(dnsEventDraft({ type: 'dns.response', id: 'r1', causeId: 'q1', timeMs: 1_700_000_000_123, data: { endpointId: 7, client: '10.0.0.5:5353', transport: 'UDP', query: 'api.example.', qtype: 'A', rcode: 'NOERROR', answers: [{ name: 'api.example.', type: 'A', ttl: 30, data: '192.0.2.1' }], verdict: 'allowed', reason: null, policy: 'default/p', rule: '*.example', server: '10.0.0.10:53', proxyLatencyUs: 412, error: null } }, endpoints)),
      stamper.stamp({ type: 'map.resync', data: { map: 'allowlist', added: 0, removed: 2, kept: 5, reason: 'startup' } }),
    ];
    for (const e of envelopes) {
      const out = new ByteWriter(16);
      encode(e, out);
      expect(decode(out.buf, 0, out.pos)).toStrictEqual(e);
    }
  });
});
