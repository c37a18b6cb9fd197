// The Kafka benchmark: flows from a source (synthetic FlowEvents for now; the ring-buffer reader
// plugs in through FlowSourceFn) through the local log and the forwarder (sendBatch) to the real
// broker, against a baseline of a plain kafkajs producer sending the same records one send per
// record. `lost` counts records the broker does not hold at the end (must be 0).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowEvent } from '../datapath/decode/flowEvent.js';
import { EventLog } from '../log/eventLog.js';
import { ensureTopics } from '../log/kafka/ensureTopics.js';
import { Forwarder } from '../log/kafka/forwarder.js';
import { createKafkaClient, defaultPartitioner } from '../log/kafka/kafkaClient.js';
import { topicName } from '../log/topics.js';
import { writeResults } from './results.js';

/** Yields batches of datapath events; the benchmark stops after `total` events. */
export type FlowSourceFn = (total: number) => Iterable<FlowEvent[]>;

export function* syntheticFlowSource(total: number, batch = 4096): Generator<FlowEvent[]> {
  for (let i = 0; i < total; i += batch) {
    const out: FlowEvent[] = [];
    for (let j = i; j < Math.min(total, i + batch); j++) {
      out.push({
        version: 1, verdict: j % 10 === 0 ? 2 : 1, dropReason: j % 10 === 0 ? 1 : 0, family: 4, proto: 6, flags: 2, isReply: false,
        tcpFlags: 2, endpointId: 1 + (j % 64), ifindex: 10 + (j % 64), timestampNs: BigInt(j) * 1000n, src: `10.0.0.${1 + (j % 64)}`,
        dst: `203.0.113.${j % 250}`, sport: 20000 + (j % 40000), dport: 443, pktLen: 60, icmpType: 0, icmpCode: 0,
      });
    }
    yield out;
  }
}

export interface KafkaBenchResult {
  flowsPerSec: number;
  lost: number;
  baselineFlowsPerSec: number;
  flows: number;
  baselineFlows: number;
  partitions: number;
}

async function topicMessageCount(client: ReturnType<typeof createKafkaClient>, topic: string): Promise<number> {
  const admin = client.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}

export async function run(options: { flows?: number; baselineFlows?: number; brokers?: string[]; source?: FlowSourceFn; partitions?: number } = {}): Promise<KafkaBenchResult> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const flows = options.flows ?? 500_000;
  const baselineFlows = options.baselineFlows ?? 50_000;
  const partitions = options.partitions ?? 3;
  const brokers = options.brokers ?? ['127.0.0.1:9092'];
  const source = options.source ?? syntheticFlowSource;
  const client = createKafkaClient({ brokers });
  const prefix = `bench-${Date.now()}.`;
  await ensureTopics(client, prefix, partitions);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-kafka-'));
  const nodeName = 'bench/node-1';
  const flowContext = {
    nodeName, bootTimeOffsetNs: BigInt(Date.now()) * 1_000_000n, namesForIp: () => ['api.example.com'],
    endpointById: (id: number) => ({ id, name: `pod-${id}`, namespace: 'default', labels: { app: 'bench' }, ipv4: `10.0.0.${id}` }),
  };
  try {
    // Ours: source -> Hubble JSON -> local log -> forwarder (sendBatch, idempotent, acks -1).
    const log = new EventLog({ dir, node: 'node-1', flowContext, topicOptions: { fsync: { mode: 'interval', intervalMs: 1000 } } });
    const forwarder = new Forwarder({ logDir: dir, client, topicPrefix: prefix, batchSize: 5000, pollMs: 5, onError: (e) => process.stderr.write(`kafka bench: ${e.message}\n`) });
    const t0 = process.hrtime.bigint();
    forwarder.start();
    for (const batch of source(flows)) {
      log.publishFlows(batch);
      await new Promise((r) => setImmediate(r)); // let the forwarder run between batches, as the ring reader would
    }
    while (forwarder.stats.forwarded.flows < flows) await new Promise((r) => setTimeout(r, 2));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await forwarder.stop();
    log.close();
    const stored = await topicMessageCount(client, topicName('flows', prefix));

    // Baseline: the same Hubble lines, one producer.send() per record, awaited in turn.
    const lines: { key: string; value: string }[] = [];
    const { flowEventToHubble } = await import('../log/hubble/flowRecord.js');
    for (const batch of source(baselineFlows)) for (const e of batch) lines.push({ key: String(e.endpointId), value: JSON.stringify(flowEventToHubble(e, flowContext)) });
    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: defaultPartitioner });
    await producer.connect();
    const baseTopic = topicName('dns', prefix); // an empty topic of the same partitioning
    const b0 = process.hrtime.bigint();
    for (const m of lines) await producer.send({ topic: baseTopic, acks: -1, messages: [m] });
    const baseSeconds = Number(process.hrtime.bigint() - b0) / 1e9;
    await producer.disconnect();

    const result: KafkaBenchResult = {
      flowsPerSec: Math.round(flows / seconds),
      lost: flows - stored,
      baselineFlowsPerSec: Math.round(lines.length / baseSeconds),
      flows, baselineFlows: lines.length, partitions,
    };
    writeResults('kafka', result);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const admin = client.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: ['flows', 'dns', 'policy-changes'].map((k) => `${prefix}${k}`) }).catch(() => undefined);
    await admin.disconnect();
  }
}
