// The consumer side of the Kafka outage run: reads a topic from the beginning up to the high
// watermarks taken after the forwarder caught up, drops duplicates by event id (kafkaConsumer.ts's
// eventIdOf, what `observe --kafka` does) and counts what it saw of the published sequence.
// Published ids carry their sequence number (outageEventId), so "seen" is a bitmap, not a set of
// millions of strings.
import type { KafkaClient } from '../log/kafka/kafkaClient.js';
import { eventIdOf } from '../log/kafka/kafkaConsumer.js';

/** A UUIDv7 (RFC 9562 layout) whose last 48 bits are `seq`: unique within a run, and countable. */
export function outageEventId(seq: number, epochMs: number, runTag: number): string {
  const ms = Math.floor(epochMs);
  const timeHex = Math.floor(ms / 0x1_0000).toString(16).padStart(8, '0') + '-' + (ms % 0x1_0000).toString(16).padStart(4, '0');
  const tag = (runTag & 0xfff).toString(16).padStart(3, '0');
  return `${timeHex}-7${tag}-8${tag}-${seq.toString(16).padStart(12, '0')}`;
}

const seqOf = (id: string): number => Number.parseInt(id.slice(24), 16);

export interface OutageConsumeResult { unique: number; duplicatesDropped: number; foreign: number }

export async function consumeOutageTopic(client: KafkaClient, topic: string, published: number, signal?: AbortSignal): Promise<OutageConsumeResult> {
  const admin = client.admin();
  await admin.connect();
  const highs = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  await admin.disconnect();
  const seen = new Uint8Array(published);
  const result: OutageConsumeResult = { unique: 0, duplicatesDropped: 0, foreign: 0 };
  const done = new Set<number>([...highs].filter(([, high]) => high === 0).map(([p]) => p));
  if (done.size === highs.size) return result;
  const consumer = client.consumer({ groupId: `sluice-outage-${process.pid}-${Date.now()}`, maxBytesPerPartition: 16 << 20 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      signal?.addEventListener('abort', () => resolve(), { once: true });
      consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            const id = m.value === null ? null : eventIdOf(m.value.toString('latin1'));
            const seq = id === null ? NaN : seqOf(id);
            if (!(seq >= 0 && seq < published)) result.foreign++;
            else if (seen[seq] === 1) result.duplicatesDropped++;
            else { seen[seq] = 1; result.unique++; }
            if (Number(m.offset) + 1 >= highs.get(batch.partition)!) done.add(batch.partition);
          }
          if (done.size === highs.size) resolve();
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return result;
}
