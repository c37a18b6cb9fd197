// Store and forward: ships each topic of the local log to Kafka, in order, from the offset Kafka
// last acknowledged. Events are always written locally first (EventLog), so while Kafka is
// unreachable they wait on disk and go out when it returns. The producer is idempotent with
// acks from all in-sync replicas; a batch that fails is sent again whole, so consumers can see a
// duplicate after an outage and drop it by event id (flows: flow.uuid). If retention deletes
// local segments before they were shipped, the gap is counted in `lost` and reported, never
// skipped silently.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from 'kafkajs';
import { SluiceError } from '../../errors.js';
import { openTopicReader } from '../eventLog.js';
import { kafkaValue } from '../topicCodecs.js';
import { topicKinds, topicName, type TopicKind } from '../topics.js';
import { checkpointPath, readCheckpoint, writeCheckpoint, type Checkpoint } from './forwarderCheckpoint.js';
import { defaultPartitioner, type KafkaClient } from './kafkaClient.js';

export interface ForwarderOptions {
  logDir: string;
  client: KafkaClient;
  topicPrefix: string;
  /** Messages per sendBatch call. */
  batchSize?: number;
  /**
   * Bytes per sendBatch call. The broker refuses a record batch over message.max.bytes (1 MiB by
   * default) with MESSAGE_TOO_LARGE, which retrying never fixes, so batches stay under it.
   */
  maxBatchBytes?: number;
  /** Idle wait between passes when everything is shipped. */
  pollMs?: number;
  /** Wait after a failed send before trying again. */
  retryBackoffMs?: number;
  onError?: (err: SluiceError) => void;
}

export interface ForwarderStats {
  forwarded: Record<TopicKind, number>;
  /** Events deleted by local retention before they could be shipped. */
  lost: number;
  failedSends: number;
  lastError: string | null;
}

export class Forwarder {
  readonly stats: ForwarderStats = { forwarded: { flows: 0, dns: 0, 'policy-changes': 0 }, lost: 0, failedSends: 0, lastError: null };
  private readonly checkpointFile: string;
  private checkpoint: Checkpoint;
  private producer: Producer | null = null;
  private running: Promise<void> | null = null;
  private readonly abort = new AbortController();

  constructor(private readonly options: ForwarderOptions) {
    this.checkpointFile = checkpointPath(options.logDir, options.topicPrefix);
    this.checkpoint = readCheckpoint(this.checkpointFile);
  }

  /** The next local offset to ship, per topic. */
  committed(kind: TopicKind): number { return this.checkpoint[kind] ?? 0; }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = null;
  }

  /**
   * Ships everything currently in the local log; resolves with the number of events sent.
   * Throws ERR_KAFKA_PUBLISH (retriable) when Kafka does not take a batch.
   */
  async forwardOnce(): Promise<number> {
    const producer = await this.connect();
    let sent = 0;
    for (const kind of topicKinds) sent += await this.forwardTopic(producer, kind);
    return sent;
  }

  private async loop(): Promise<void> {
    const { pollMs = 200, retryBackoffMs = 1000 } = this.options;
    while (!this.abort.signal.aborted) {
      let wait = pollMs;
      try {
        if ((await this.forwardOnce()) > 0) wait = 0;
      } catch (err) {
        const e = err instanceof SluiceError ? err : new SluiceError('ERR_KAFKA_PUBLISH', `forward: ${(err as Error).message}`, { cause: err, retriable: true });
        this.stats.failedSends++;
        this.stats.lastError = e.message;
        this.options.onError?.(e);
        await this.producer?.disconnect().catch(() => undefined);
        this.producer = null;
        wait = retryBackoffMs;
      }
      if (wait > 0) await sleep(wait, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
  }

  private async connect(): Promise<Producer> {
    if (this.producer) return this.producer;
    // Idempotent with one request in flight: kafkajs cannot re-sequence several in-flight batches
    // after a retry, and a reordered batch would break per-endpoint order.
    const producer = this.options.client.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: defaultPartitioner });
    try {
      await producer.connect();
    } catch (cause) {
      throw new SluiceError('ERR_KAFKA_PUBLISH', `connect: ${(cause as Error).message}`, { cause, retriable: true });
    }
    this.producer = producer;
    return producer;
  }

  private async forwardTopic(producer: Producer, kind: TopicKind): Promise<number> {
    const reader = openTopicReader(this.options.logDir, kind);
    const batchSize = this.options.batchSize ?? 2000;
    const maxBatchBytes = this.options.maxBatchBytes ?? 900_000;
    let from = this.committed(kind);
    const start = reader.startOffset();
    if (from < start) {
      this.stats.lost += start - from;
      this.options.onError?.(new SluiceError('ERR_KAFKA_PUBLISH', `${kind}: ${start - from} events deleted by local retention before they reached Kafka`, { details: { kind, from, start } }));
      from = start;
      this.setCommitted(kind, from);
    }
    const topic = topicName(kind, this.options.topicPrefix);
    let sent = 0;
    while (true) {
      const messages: { key: string | null; value: Buffer | string }[] = [];
      let next = from;
      let bytes = 0;
      reader.scan({ fromOffset: from }, (r) => {
        const value = kafkaValue(kind, r.value);
        bytes += value.length + 64;
        if (messages.length > 0 && bytes > maxBatchBytes) return false;
        messages.push({ key: r.key, value });
        next = r.offset + 1;
        return messages.length < batchSize;
      });
      if (messages.length === 0) return sent;
      try {
        await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
      } catch (cause) {
        throw new SluiceError('ERR_KAFKA_PUBLISH', `send ${messages.length} events to ${topic}: ${(cause as Error).message}`, { cause, retriable: true });
      }
      sent += messages.length;
      this.stats.forwarded[kind] += messages.length;
      from = next;
      this.setCommitted(kind, from);
    }
  }

  private setCommitted(kind: TopicKind, offset: number): void {
    this.checkpoint = { ...this.checkpoint, [kind]: offset };
    writeCheckpoint(this.checkpointFile, this.checkpoint);
  }
}
