// Shared pieces of the event-log system tests: a temp log with a random topic prefix, and
// synthetic datapath events.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowEvent } from '../../src/datapath/decode/flowEvent.js';
import type { FlowContext } from '../../src/log/hubble/flowContext.js';

export const randomPrefix = () => `test-${randomBytes(4).toString('hex')}.`;
export const tempLogDir = () => mkdtempSync(join(tmpdir(), 'sluice-log-test-'));

export const testFlowContext: FlowContext = {
  nodeName: 'test/node-1',
  endpointById: (id) => ({ id, name: `pod-${id}`, namespace: 'default', labels: { app: 'client' }, ipv4: `10.0.0.${id}` }),
  namesForIp: () => ['api.example.com'],
  bootTimeOffsetNs: 1_764_000_000_000_000_000n,
};

export function syntheticFlow(i: number): FlowEvent {
  return {
    version: 1, verdict: i % 5 === 0 ? 2 : 1, dropReason: i % 5 === 0 ? 1 : 0, family: 4, proto: 6, flags: 2, isReply: false,
    tcpFlags: 0x02, endpointId: 1 + (i % 8), ifindex: 10, timestampNs: BigInt(i) * 1000n, src: `10.0.0.${1 + (i % 8)}`,
    dst: `203.0.113.${i % 250}`, sport: 30000 + (i % 30000), dport: 443, pktLen: 60, icmpType: 0, icmpCode: 0,
  };
}
