// The Kafka benchmark (runner module: scripts/bench.mjs writes bench/results/kafka.json): flows
// from a source (synthetic FlowEvents; the ring-buffer reader plugs in through FlowSourceFn)
// through Hubble JSON, the local log and the forwarder (sendBatch) to the real broker, against a
// plain kafkajs producer sending the same records one send per record. `lost` counts records
// the broker does not hold at the end (must be 0). Starts the broker of scripts/kafka.sh if none
// answers, and then stops it again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLog } from '../log/eventLog.js';
import { ensureTopics } from '../log/kafka/ensureTopics.js';
import type { ForwarderCompression } from '../log/kafka/compression.js';
import { ForwarderThread } from '../log/kafka/forwarderThread.js';
import { createKafkaClient } from '../log/kafka/kafkaClient.js';
import { topicName } from '../log/topics.js';
import { baselineFlowsPerSec } from './kafkaBaseline.js';
import { acquireKafkaBroker } from './kafkaBroker.js';
import { benchFlowContext, syntheticFlowSource, type FlowSourceFn } from './kafkaFlowSource.js';
import { deleteRunTopics, topicMessageCount } from './kafkaTopics.js';

export const resultName = 'kafka';

export interface KafkaBenchOptions { compression?: ForwarderCompression; flows?: number; baselineFlows?: number; brokers?: string[]; source?: FlowSourceFn; partitions?: number }

export interface KafkaBenchResult {
  flowsPerSec: number;
  lost: number;
  baselineFlowsPerSec: number;
  flows: number;
  baselineFlows: number;
  partitions: number;
  /** Bytes of one Hubble JSON line, on average. */
  bytesPerFlow: number;
  brokerStartedByBench: boolean;
  compression: ForwarderCompression;
}

export async function run(options: KafkaBenchOptions = {}): Promise<KafkaBenchResult> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const flows = options.flows ?? 1_000_000;
  const baselineFlows = options.baselineFlows ?? 5_000;
  const partitions = options.partitions ?? 3;
  const source = options.source ?? syntheticFlowSource;
  const compression = options.compression ?? 'none';
  const broker = options.brokers ? null : acquireKafkaBroker();
  const brokers = options.brokers ?? ['127.0.0.1:9092'];
  const client = createKafkaClient({ brokers });
  const prefix = `bench-${Date.now()}.`;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-kafka-'));
  try {
    await ensureTopics(client, prefix, partitions);
    const flowContext = benchFlowContext();
    const log = new EventLog({ dir, node: 'node-1', flowContext, topicOptions: { fsync: { mode: 'interval', intervalMs: 1000 }, retentionBytes: null } });
    // The forwarder on its own thread (forwarderThread.ts): publishing and forwarding each need a core.
    const forwarder = new ForwarderThread({ logDir: dir, connect: { brokers }, topicPrefix: prefix, pollMs: 5, compression, onError: (e) => process.stderr.write(`kafka bench: ${e.message}\n`) });
    const t0 = process.hrtime.bigint();
    forwarder.start();
    for (const batch of source(flows)) {
      log.publishFlows(batch);
      await new Promise((r) => setImmediate(r)); // let the forwarder run between batches, as the ring reader would
    }
    while (forwarder.stats.forwarded.flows < flows) await new Promise((r) => setTimeout(r, 2));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await forwarder.stop();
    const logBytes = log.writers.flows.stats.appendedBytes;
    log.close();
    const stored = await topicMessageCount(client, topicName('flows', prefix));
    // The dns topic of the run is empty and partitioned alike: the baseline writes there.
    const base = await baselineFlowsPerSec(client, topicName('dns', prefix), source, baselineFlows, flowContext);
    return {
      flowsPerSec: Math.round(flows / seconds), lost: flows - stored, baselineFlowsPerSec: base.flowsPerSec,
      flows, baselineFlows: base.flows, partitions, bytesPerFlow: Math.round(logBytes / flows), brokerStartedByBench: broker?.startedHere ?? false, compression,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await deleteRunTopics(client, prefix);
    broker?.release();
  }
}
