// Issue 8's Kafka fault: flows are published at a steady rate into the local log while the
// forwarder ships them to the broker; the broker is stopped (scripts/kafka.sh stop) for
// `outageSec` and started again; once the forwarder has caught up, a consumer reads the topic,
// drops duplicates by event id and must see every published event exactly once. The reliability
// benchmark calls runKafkaOutage; test/log/kafkaOutage.test.ts runs it with small numbers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventLog } from '../log/eventLog.js';
import { flowEventToHubble, flowTimeNs } from '../log/hubble/flowRecord.js';
import { deleteTopics, ensureTopics } from '../log/kafka/ensureTopics.js';
import { Forwarder } from '../log/kafka/forwarder.js';
import { createKafkaClient } from '../log/kafka/kafkaClient.js';
import { topicName } from '../log/topics.js';
import { acquireKafkaBroker, kafkaScriptAsync } from './kafkaBroker.js';
import { benchFlowContext, syntheticFlow } from './kafkaFlowSource.js';
import { consumeOutageTopic, outageEventId } from './kafkaOutageCheck.js';

export interface KafkaOutageOptions {
  /** Flows per second offered to the log (issue 8 asks for 100k; see the report for what holds). */
  ratePerSec?: number;
  /** How long the broker stays down. */
  outageSec?: number;
  /** Publishing before the stop and after the restart, so both edges happen under load. */
  beforeSec?: number;
  afterSec?: number;
  partitions?: number;
  /** Gives up waiting for the forwarder or the consumer after this long (a failure, not a result). */
  catchUpTimeoutSec?: number;
  onProgress?: (line: string) => void;
}

export interface KafkaOutageResult {
  /** Events published (and so expected in Kafka). */
  kafkaOutageEvents: number;
  /** Published events the consumer never saw. */
  kafkaOutageLost: number;
  /** Copies the consumer dropped by event id (a batch resent after the outage). */
  duplicatesDropped: number;
  outageSec: number;
  /** The rate actually achieved over the publishing window. */
  ratePerSec: number;
  /** Seconds from the restart until the forwarder had shipped everything. */
  catchUpSec: number;
  failedSends: number;
}

const TICK_MS = 10;

export async function runKafkaOutage(options: KafkaOutageOptions = {}): Promise<KafkaOutageResult> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const rate = options.ratePerSec ?? 20_000;
  const outageSec = options.outageSec ?? 60;
  const beforeSec = options.beforeSec ?? 5;
  const afterSec = options.afterSec ?? 5;
  const say = options.onProgress ?? (() => undefined);
  const broker = acquireKafkaBroker();
  // Short request retries: during the outage the forwarder should fail fast and keep retrying
  // whole batches from the local log, which is the behaviour under test.
  const client = createKafkaClient({ brokers: ['127.0.0.1:9092'], retries: 2, initialRetryTimeMs: 200 });
  const prefix = `outage-${Date.now()}.`;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-outage-'));
  const ctx = benchFlowContext('outage/node-1');
  const log = new EventLog({ dir, node: 'node-1', flowContext: ctx, topicOptions: { retentionBytes: null } });
  const forwarder = new Forwarder({ logDir: dir, client, topicPrefix: prefix, pollMs: 20, retryBackoffMs: 500 });
  const runTag = Math.floor(Math.random() * 0x1000);
  let published = 0;
  let brokerDown = false;
  try {
    await ensureTopics(client, prefix, options.partitions ?? 3);
    forwarder.start();
    const publishFor = async (seconds: number, during?: Promise<void>): Promise<void> => {
      const t0 = performance.now();
      const base = published;
      let pending = during !== undefined;
      void during?.finally(() => { pending = false; });
      while (performance.now() - t0 < seconds * 1000 || pending) {
        const due = base + Math.floor(((performance.now() - t0) / 1000) * rate);
        const records = [];
        for (; published < due; published++) {
          const e = syntheticFlow(published);
          records.push(flowEventToHubble(e, ctx, outageEventId(published, Number(flowTimeNs(e, ctx) / 1_000_000n), runTag)));
        }
        if (records.length > 0) log.appendFlowRecords(records);
        await sleep(TICK_MS);
      }
      await during;
    };
    const started = performance.now();
    await publishFor(beforeSec);
    say(`outage: ${published} published, stopping the broker`);
    brokerDown = true;
    await publishFor(0, kafkaScriptAsync('stop'));
    await publishFor(outageSec);
    say(`outage: ${published} published, ${forwarder.stats.forwarded.flows} forwarded, starting the broker`);
    await publishFor(0, kafkaScriptAsync('start'));
    brokerDown = false;
    const restarted = performance.now();
    await publishFor(afterSec);
    const ratePerSec = Math.round(published / ((performance.now() - started) / 1000));
    const deadline = Date.now() + (options.catchUpTimeoutSec ?? 600) * 1000;
    while (forwarder.stats.forwarded.flows < published && Date.now() < deadline) await sleep(50);
    const catchUpSec = (performance.now() - restarted) / 1000;
    await forwarder.stop();
    log.close();
    say(`outage: forwarder caught up ${catchUpSec.toFixed(1)} s after the restart; consuming`);
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), (options.catchUpTimeoutSec ?? 600) * 1000);
    const seen = await consumeOutageTopic(client, topicName('flows', prefix), published, ac.signal).finally(() => clearTimeout(timer));
    return {
      kafkaOutageEvents: published, kafkaOutageLost: published - seen.unique, duplicatesDropped: seen.duplicatesDropped,
      outageSec, ratePerSec, catchUpSec: Math.round(catchUpSec * 10) / 10, failedSends: forwarder.stats.failedSends,
    };
  } finally {
    await forwarder.stop();
    log.close();
    if (brokerDown) await kafkaScriptAsync('start').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await deleteTopics(client, prefix);
    broker.release();
  }
}
