import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../envelope.js';
import type { DnsEventType } from '../events.js';
import { dnsEventToHubble } from './dnsFlowRecord.js';
import { DnsFlowJsonRenderer } from './dnsFlowJson.js';
import type { EndpointInfo, FlowContext } from './flowContext.js';

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const labelsArb = fc.dictionary(fc.oneof(fc.constantFrom('app', 'io.kubernetes.pod.namespace'), text), text, { maxKeys: 3 });
const endpointArb: fc.Arbitrary<EndpointInfo> = fc.record({
  id: fc.integer({ min: 0, max: 5 }), name: fc.oneof(fc.constant(''), text), namespace: fc.oneof(fc.constant(''), fc.constant('default'), text),
  labels: labelsArb, identity: fc.option(fc.integer({ min: 0, max: 70_000 }), { nil: undefined }),
  ipv4: fc.option(fc.ipV4(), { nil: undefined }), ipv6: fc.option(fc.ipV6(), { nil: undefined }),
}, { requiredKeys: ['id', 'name', 'namespace', 'labels'] });

const answerArb = fc.record({
  name: text,
  type: fc.constantFrom('A', 'AAAA', 'CNAME', 'TXT'),
  ttl: fc.oneof(fc.integer({ min: 0, max: 86_400 }), fc.constant(0)),
  data: fc.oneof(fc.ipV4(), fc.ipV6(), text, fc.constant('edge.example.com.')),
});

const eventArb: fc.Arbitrary<Envelope<DnsEventType>> = fc.record({
  type: fc.constantFrom('dns.request' as const, 'dns.response' as const),
  id: fc.uuid(),
  time: fc.constantFrom('2026-11-27T22:00:00.123Z', '2026-11-27T22:00:01Z'),
  endpoint: fc.record({ id: fc.integer({ min: 0, max: 5 }), name: text, namespace: text }),
  query: fc.oneof(text, fc.constantFrom('API.Example.com.', 'x.test')),
  qtype: fc.constantFrom('A', 'AAAA', 'TXT'),
  rcode: fc.constantFrom('NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'BADCOOKIE'),
  answers: fc.array(answerArb, { maxLength: 4 }),
  verdict: fc.constantFrom('allowed' as const, 'denied' as const),
  server: fc.constantFrom('10.0.0.53:53', '[fd00::53]:53', 'weird', ''),
  proxyLatencyUs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10_000_000 })),
}).map((r) => ({
  schemaVersion: 1, type: r.type, id: r.id, time: r.time, node: 'n1', seq: 1, causeId: null,
  data: { endpoint: r.endpoint, query: r.query, qtype: r.qtype, rcode: r.rcode, answers: r.answers, verdict: r.verdict, policy: null, rule: null, server: r.server, proxyLatencyUs: r.proxyLatencyUs },
}) as unknown as Envelope<DnsEventType>);

const contextArb: fc.Arbitrary<FlowContext> = fc.record({ nodeName: text, ep: fc.option(endpointArb, { nil: undefined }) }).map(({ nodeName, ep }) => ({
  nodeName, bootTimeOffsetNs: 0n,
  endpointById: (id: number) => (ep ? { ...ep, id, labels: { ...ep.labels } } : undefined),
  namesForIp: () => [],
}));

describe('log > hubble > dns flow json', () => {
  it('renders exactly JSON.stringify of the L7 flow record, for any DNS event and context', () => {
    fc.assert(fc.property(contextArb, fc.array(eventArb, { minLength: 1, maxLength: 6 }), (ctx, events) => {
      const renderer = new DnsFlowJsonRenderer(ctx);
      for (const e of events) expect(renderer.render(e)).toBe(JSON.stringify(dnsEventToHubble(e, ctx)));
    }), { numRuns: 1000 });
  });
});
