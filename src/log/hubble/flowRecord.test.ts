import { describe, expect, it } from 'vitest';
import type { FlowEvent } from '../../datapath/decode/flowEvent.js';
import type { FlowContext } from './flowContext.js';
import { flowEventToHubble } from './flowRecord.js';

const ctx: FlowContext = {
  nodeName: 'kind/node-1',
  endpointById: (id) => ({ id, name: 'client', namespace: 'default', labels: { app: 'client' }, ipv4: '10.0.0.2' }),
  namesForIp: (_ep, ip) => (ip === '203.0.113.7' ? ['api.example.com'] : []),
  bootTimeOffsetNs: 1_764_259_200_000_000_000n, // 2025-11-27T16:00:00Z
};
const base: FlowEvent = {
  version: 1, verdict: 1, dropReason: 0, family: 4, proto: 6, flags: 2, isReply: false, tcpFlags: 0x02, endpointId: 7, ifindex: 12,
  timestampNs: 2_001_000_123n, src: '10.0.0.2', dst: '203.0.113.7', sport: 40001, dport: 443, pktLen: 60, icmpType: 0, icmpCode: 0,
};

describe('log > hubble > flow record', () => {
  it('a forwarded TCP SYN, byte for byte as hubble observe -o jsonpb prints it', () => {
    const line = JSON.stringify(flowEventToHubble(base, ctx, '019ac60b-03d1-7000-8000-000000000001'));
    expect(line).toBe('{"flow":{"time":"2025-11-27T16:00:02.001000123Z","uuid":"019ac60b-03d1-7000-8000-000000000001","verdict":"FORWARDED",'
      + '"IP":{"source":"10.0.0.2","destination":"203.0.113.7","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":40001,"destination_port":443,"flags":{"SYN":true}}},'
      + '"source":{"ID":7,"namespace":"default","labels":["k8s:app=client","k8s:io.kubernetes.pod.namespace=default"],"pod_name":"client"},'
      + '"destination":{"identity":2,"labels":["reserved:world"]},"Type":"L3_L4","node_name":"kind/node-1","destination_names":["api.example.com"],'
      + '"event_type":{"type":4,"sub_type":5},"traffic_direction":"EGRESS","trace_observation_point":"FROM_ENDPOINT","trace_reason":"NEW","is_reply":false,'
      + '"interface":{"index":12},"Summary":"TCP Flags: SYN"},"node_name":"kind/node-1","time":"2025-11-27T16:00:02.001000123Z"}');
  });

  it('a policy drop: drop reason number and name, drop event type, no is_reply', () => {
    const { flow } = flowEventToHubble({ ...base, verdict: 2, dropReason: 1, dst: '198.51.100.9' }, ctx);
    expect(flow.verdict).toBe('DROPPED');
    expect(flow.drop_reason).toBe(133);
    expect(flow.drop_reason_desc).toBe('POLICY_DENIED');
    expect(flow.event_type).toEqual({ type: 1, sub_type: 133 });
    expect(flow.is_reply).toBeUndefined();
    expect(flow.destination_names).toBeUndefined();
  });

  it('UDP and ICMP layer 4, IPv6 addresses, replies as INGRESS', () => {
    expect(flowEventToHubble({ ...base, proto: 17, tcpFlags: 0 }, ctx).flow.l4).toEqual({ UDP: { source_port: 40001, destination_port: 443 } });
    const icmp = flowEventToHubble({ ...base, proto: 1, sport: 0, dport: 0, icmpType: 8, icmpCode: 0 }, ctx).flow;
    expect(icmp.l4).toEqual({ ICMPv4: { type: 8 } });
    expect(icmp.Summary).toBe('ICMPv4 EchoRequest');
    const reply = flowEventToHubble({ ...base, family: 6, flags: 1, isReply: true, src: '2001:db8::2', dst: '2001:db8::7', tcpFlags: 0x12 }, ctx).flow;
    expect(reply.IP).toEqual({ source: '2001:db8::2', destination: '2001:db8::7', ipVersion: 'IPv6' });
    expect(reply.traffic_direction).toBe('INGRESS');
    expect(reply.is_reply).toBe(true);
    expect(reply.Summary).toBe('TCP Flags: SYN, ACK');
  });
});
