// Datapath events for the Kafka benchmarks: the shape of a source (the ring buffer's is in
// kafkaRingSource.ts), synthetic FlowEvents as the decoder produces them (64 endpoints wide) for
// the outage run, and the node's view of its endpoints.
import type { FlowEvent } from '../datapath/decode/flowEvent.js';
import type { FlowContext } from '../log/hubble/flowContext.js';

/** Yields batches of datapath events; the benchmark stops after `total` events. */
export type FlowSourceFn = (total: number) => Iterable<FlowEvent[]>;

export function syntheticFlow(j: number): FlowEvent {
  return {
    version: 1, verdict: j % 10 === 0 ? 2 : 1, dropReason: j % 10 === 0 ? 1 : 0, family: 4, proto: 6, flags: 2, isReply: false,
    tcpFlags: 2, endpointId: 1 + (j % 64), ifindex: 10 + (j % 64), timestampNs: BigInt(j) * 1000n, src: `10.0.0.${1 + (j % 64)}`,
    dst: `203.0.113.${j % 250}`, sport: 20000 + (j % 40000), dport: 443, pktLen: 60, icmpType: 0, icmpCode: 0,
  };
}

/** A node's view of its endpoints and names, as the agent would give it. */
export function benchFlowContext(nodeName = 'bench/node-1'): FlowContext {
  return {
    nodeName, bootTimeOffsetNs: BigInt(Date.now()) * 1_000_000n, namesForIp: () => ['api.example.com'],
    endpointById: (id: number) => ({ id, name: `pod-${id}`, namespace: 'default', labels: { app: 'bench' }, ipv4: `10.0.0.${id}` }),
  };
}
