import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowEvent } from '../../datapath/decode/flowEvent.js';
import type { EndpointInfo, FlowContext } from './flowContext.js';
import { FlowJsonRenderer } from './flowJson.js';
import { flowEventToHubble, flowTimeNs } from './flowRecord.js';

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const labelsArb = fc.dictionary(fc.oneof(fc.constantFrom('app', 'io.kubernetes.pod.namespace', 'tier'), text), text, { maxKeys: 4 });
const endpointArb: fc.Arbitrary<EndpointInfo> = fc.record({
  id: fc.integer({ min: 0, max: 70 }), name: fc.oneof(fc.constant(''), text), namespace: fc.oneof(fc.constant(''), fc.constant('default'), text),
  labels: labelsArb, identity: fc.option(fc.integer({ min: 0, max: 70_000 }), { nil: undefined }),
}, { requiredKeys: ['id', 'name', 'namespace', 'labels'] });

const eventArb: fc.Arbitrary<FlowEvent> = fc.record({
  version: fc.constant(1), verdict: fc.integer({ min: 0, max: 4 }), dropReason: fc.integer({ min: 0, max: 8 }), family: fc.constantFrom(4, 6),
  proto: fc.constantFrom(1, 6, 17, 58, 47), flags: fc.integer({ min: 0, max: 3 }), isReply: fc.boolean(), tcpFlags: fc.integer({ min: 0, max: 255 }),
  endpointId: fc.integer({ min: 0, max: 70 }), ifindex: fc.integer({ min: 0, max: 5000 }), timestampNs: fc.bigInt({ min: 0n, max: 1n << 50n }),
  src: fc.oneof(fc.ipV4(), fc.ipV6()), dst: fc.oneof(fc.ipV4(), fc.ipV6(), text), sport: fc.integer({ min: 0, max: 65535 }), dport: fc.integer({ min: 0, max: 65535 }),
  pktLen: fc.integer({ min: 0, max: 65535 }), icmpType: fc.integer({ min: 0, max: 255 }), icmpCode: fc.integer({ min: 0, max: 20 }),
});

const contextArb: fc.Arbitrary<FlowContext> = fc.record({
  nodeName: text,
  source: fc.option(endpointArb, { nil: undefined }),
  peer: fc.option(endpointArb, { nil: undefined }),
  names: fc.array(text, { maxLength: 3 }),
  ifname: fc.option(text, { nil: undefined }),
  offset: fc.bigInt({ min: 0n, max: 1n << 62n }),
}).map(({ nodeName, source, peer, names, ifname, offset }) => ({
  nodeName, bootTimeOffsetNs: offset,
  endpointById: (id: number) => (source ? { ...source, id, labels: { ...source.labels } } : undefined),
  endpointByIp: () => peer,
  namesForIp: () => names,
  interfaceName: ifname === undefined ? undefined : () => ifname,
}));

const uuid = '019ac60b-03d1-7000-8000-000000000001';

describe('log > hubble > flow json', () => {
  it('renders exactly JSON.stringify of the flow record, for any event and context', () => {
    fc.assert(fc.property(contextArb, fc.array(eventArb, { minLength: 1, maxLength: 8 }), (ctx, events) => {
      const renderer = new FlowJsonRenderer(ctx);
      for (const e of events) {
        expect(renderer.render(e, flowTimeNs(e, ctx), uuid)).toBe(JSON.stringify(flowEventToHubble(e, ctx, uuid)));
      }
    }), { numRuns: 500 });
  });

  it('renders an endpoint anew when its name, namespace, identity or labels change', () => {
    let ep: EndpointInfo = { id: 5, name: 'a', namespace: 'default', labels: { app: 'x' } };
    const ctx: FlowContext = { nodeName: 'n', bootTimeOffsetNs: 0n, endpointById: () => ep, namesForIp: () => [] };
    const renderer = new FlowJsonRenderer(ctx);
    const e: FlowEvent = { version: 1, verdict: 1, dropReason: 0, family: 4, proto: 6, flags: 0, isReply: false, tcpFlags: 2, endpointId: 5, ifindex: 0, timestampNs: 1n, src: '10.0.0.5', dst: '1.1.1.1', sport: 1, dport: 2, pktLen: 0, icmpType: 0, icmpCode: 0 };
    const check = () => expect(renderer.render(e, 1n, uuid)).toBe(JSON.stringify(flowEventToHubble(e, ctx, uuid)));
    check();
    ep.labels.app = 'y'; // changed in place
    check();
    ep.labels.tier = 'db';
    check();
    delete ep.labels.tier;
    ep.labels.other = 'db';
    check();
    ep = { ...ep, name: 'b' };
    check();
    ep = { ...ep, identity: 12 };
    check();
    ep = { ...ep, namespace: 'kube-system' };
    check();
  });
});
