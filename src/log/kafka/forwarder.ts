// Store and forward: ships each topic of the local log to Kafka, in order, from the offset Kafka
// last acknowledged. Events are always written locally first (EventLog), so while Kafka is
// unreachable they wait on disk and go out when it returns. The producers (one per lane, see
// lanes.ts) are idempotent with acks from all in-sync replicas; a batch that fails (in any lane)
// is sent again whole, so consumers can see a duplicate after an outage and drop it by event id
// (flows: flow.uuid). If retention deletes local segments before they were shipped, the gap is
// counted in `lost` and reported, never skipped silently.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from 'kafkajs';
import { SluiceError } from '../../errors.js';
import type { ValueCodec } from '../codec/valueCodec.js';
import { openTopicReader, topicDir } from '../eventLog.js';
import { TopicCursor } from '../local/topicCursor.js';
import { kafkaValue, topicCodecs, type TopicValues } from '../topicCodecs.js';
import { topicKinds, topicName, type TopicKind } from '../topics.js';
import { DEFAULT_MAX_BATCH_BYTES, isMessageTooLarge, messageBytes, MIN_BATCH_BYTES } from './batchBytes.js';
import { kafkaCompression, type ForwarderCompression } from './compression.js';
import { checkpointPath, readCheckpoint, writeCheckpoint, type Checkpoint } from './forwarderCheckpoint.js';
import type { KafkaClient } from './kafkaClient.js';
import { splitLanes } from './lanes.js';
import { keyPartitioner } from './partitioner.js';

export interface ForwarderOptions {
  logDir: string;
  client: KafkaClient;
  topicPrefix: string;
  /** Messages per batch read from the local log (split over the lanes). */
  batchSize?: number;
  /** Producers sending parts of each batch at the same time, split by key (see lanes.ts); default 2. */
  lanes?: number;
  /** Bytes per sendBatch call (see batchBytes.ts); halved while the broker says MESSAGE_TOO_LARGE. */
  maxBatchBytes?: number;
  /** Record-batch compression (default none: see compression.ts). */
  compression?: ForwarderCompression;
  /** Idle wait between passes when everything is shipped. */
  pollMs?: number;
  /** Wait after a failed send before trying again. */
  retryBackoffMs?: number;
  /**
   * Least time between checkpoint writes while batches keep coming (each write is a file
   * replaced by rename, which ext4 makes wait for the data); stop() and an idle pass write it
   * at once. A crash loses at most this much progress: those batches are sent again, and
   * consumers drop the duplicates by event id.
   */
  checkpointIntervalMs?: number;
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
  private producers: Producer[] | null = null;
  /** Partition counts per topic, as the producers' partitioner last saw them (for the lanes). */
  private readonly partitionCounts = new Map<string, number>();
  private running: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private readonly cursors = new Map<TopicKind, TopicCursor<TopicValues[TopicKind]>>();
  private readonly maxBatchBytes: Record<TopicKind, number>;
  private readonly compression: number;
  private checkpointDirty = false;
  private checkpointWrittenAt = 0;

  constructor(private readonly options: ForwarderOptions) {
    this.checkpointFile = checkpointPath(options.logDir, options.topicPrefix);
    this.checkpoint = readCheckpoint(this.checkpointFile);
    const max = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.maxBatchBytes = { flows: max, dns: max, 'policy-changes': max };
    this.compression = kafkaCompression(options.compression ?? 'none');
  }

  /** The next local offset to ship, per topic. */
  committed(kind: TopicKind): number { return this.checkpoint[kind] ?? 0; }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.flushCheckpoint();
    await this.disconnect();
  }

  /**
   * Ships everything currently in the local log; resolves with the number of events sent.
   * Throws ERR_KAFKA_PUBLISH (retriable) when Kafka does not take a batch.
   */
  async forwardOnce(): Promise<number> {
    const producers = await this.connect();
    let sent = 0;
    for (const kind of topicKinds) sent += await this.forwardTopic(producers, kind);
    return sent;
  }

  private async loop(): Promise<void> {
    const { pollMs = 200, retryBackoffMs = 1000 } = this.options;
    while (!this.abort.signal.aborted) {
      let wait = pollMs;
      try {
        if ((await this.forwardOnce()) > 0) wait = 0;
        else this.flushCheckpoint();
      } catch (err) {
        const e = err instanceof SluiceError ? err : new SluiceError('ERR_KAFKA_PUBLISH', `forward: ${(err as Error).message}`, { cause: err, retriable: true });
        this.stats.failedSends++;
        this.stats.lastError = e.message;
        this.options.onError?.(e);
        await this.disconnect();
        wait = retryBackoffMs;
      }
      if (wait > 0) await sleep(wait, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
  }

  private async connect(): Promise<Producer[]> {
    if (this.producers) return this.producers;
    // Idempotent with one request in flight each: kafkajs cannot re-sequence several in-flight
    // batches after a retry, and a reordered batch would break per-endpoint order. Parallelism
    // comes from the lanes instead: one producer per lane, each key in one lane.
    const lanes = Math.max(1, this.options.lanes ?? 2);
    const producers = Array.from({ length: lanes }, () => this.options.client.producer({
      idempotent: true, maxInFlightRequests: 1, createPartitioner: keyPartitioner(this.partitionCounts) as never,
    }));
    try {
      await Promise.all(producers.map((p) => p.connect()));
    } catch (cause) {
      await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)));
      throw new SluiceError('ERR_KAFKA_PUBLISH', `connect: ${(cause as Error).message}`, { cause, retriable: true });
    }
    this.producers = producers;
    return producers;
  }

  private async disconnect(): Promise<void> {
    const producers = this.producers ?? [];
    this.producers = null;
    await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)));
  }

  /** Sends each lane's part of a batch with its producer; throws the first failure once all are done. */
  private async sendLanes(producers: Producer[], topic: string, messages: { key: string | null }[]): Promise<void> {
    const lanes = splitLanes(messages, this.partitionCounts.get(topic) ?? 0, producers.length);
    const results = await Promise.allSettled(lanes.map((part, i) => (part.length === 0 ? undefined
      : producers[i]!.sendBatch({ acks: -1, compression: this.compression, topicMessages: [{ topic, messages: part as never }] }))));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async forwardTopic(producers: Producer[], kind: TopicKind): Promise<number> {
    const batchSize = this.options.batchSize ?? 20_000;
    const cursor = this.cursorFor(kind);
    const start = openTopicReader(this.options.logDir, kind).startOffset();
    if (cursor.nextOffset < start) {
      const from = cursor.nextOffset;
      this.stats.lost += start - from;
      this.options.onError?.(new SluiceError('ERR_KAFKA_PUBLISH', `${kind}: ${start - from} events deleted by local retention before they reached Kafka`, { details: { kind, from, start } }));
      cursor.seek(start);
      this.setCommitted(kind, start);
    }
    const topic = topicName(kind, this.options.topicPrefix);
    let sent = 0;
    while (true) {
      const maxBytes = this.maxBatchBytes[kind];
      const batch = cursor.read(batchSize, maxBytes, (v) => kafkaValue(kind, v), messageBytes);
      if (batch.messages.length === 0) return sent;
      try {
        // A lane that failed while another succeeded: the whole batch goes again, and the
        // consumers drop the duplicates by event id, as after any failed send.
        await this.sendLanes(producers, topic, batch.messages);
      } catch (cause) {
        // A topic created with a smaller max.message.bytes than ensureTopics sets (by an older
        // Sluice, or by hand) refuses big batches, and resending the same batch never helps.
        if (isMessageTooLarge(cause) && maxBytes > MIN_BATCH_BYTES) {
          this.maxBatchBytes[kind] = Math.max(MIN_BATCH_BYTES, Math.floor(maxBytes / 2));
          continue;
        }
        throw new SluiceError('ERR_KAFKA_PUBLISH', `send ${batch.messages.length} events to ${topic}: ${(cause as Error).message}`, { cause, retriable: true });
      }
      sent += batch.messages.length;
      this.stats.forwarded[kind] += batch.messages.length;
      cursor.commit(batch.nextOffset);
      this.setCommitted(kind, batch.nextOffset);
    }
  }

  private cursorFor(kind: TopicKind): TopicCursor<TopicValues[TopicKind]> {
    let cursor = this.cursors.get(kind);
    if (!cursor) {
      cursor = new TopicCursor(topicDir(this.options.logDir, kind), topicCodecs[kind] as ValueCodec<TopicValues[TopicKind]>, this.committed(kind));
      this.cursors.set(kind, cursor);
    }
    return cursor;
  }

  private setCommitted(kind: TopicKind, offset: number): void {
    this.checkpoint = { ...this.checkpoint, [kind]: offset };
    this.checkpointDirty = true;
    if (Date.now() - this.checkpointWrittenAt >= (this.options.checkpointIntervalMs ?? 250)) this.flushCheckpoint();
  }

  private flushCheckpoint(): void {
    if (!this.checkpointDirty) return;
    writeCheckpoint(this.checkpointFile, this.checkpoint);
    this.checkpointDirty = false;
    this.checkpointWrittenAt = Date.now();
  }
}
