// Reading a Sluice topic from Kafka (for `observe --kafka` and `events --kafka`): a consumer in
// its own throwaway group, from the beginning or only new messages, that drops duplicates by
// event id (delivery to Kafka is at least once; see forwarder.ts).
import { LRUCache } from 'lru-cache';
import { topicName, type TopicKind } from '../topics.js';
import type { KafkaClient } from './kafkaClient.js';

export interface ConsumeOptions {
  client: KafkaClient;
  kind: TopicKind;
  topicPrefix: string;
  fromBeginning: boolean;
  signal: AbortSignal;
  /** Called with each message's value (a JSON text) once per event id. */
  onMessage: (value: string) => void;
}

/** The id of a flows line (flow.uuid) or an envelope (id), found without a full parse. */
export function eventIdOf(value: string): string | null {
  const m = /"(?:uuid|id)":"([0-9a-f-]{36})"/.exec(value);
  return m ? m[1]! : null;
}

export async function consumeTopic(options: ConsumeOptions): Promise<void> {
  const consumer = options.client.consumer({ groupId: `sluice-observe-${process.pid}-${Date.now()}` });
  const seen = new LRUCache<string, true>({ max: 100_000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: topicName(options.kind, options.topicPrefix), fromBeginning: options.fromBeginning });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value?.toString('utf8');
        if (value === undefined) return;
        const id = eventIdOf(value);
        if (id !== null) {
          if (seen.has(id)) return;
          seen.set(id, true);
        }
        options.onMessage(value);
      },
    });
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) resolve();
      options.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await consumer.disconnect();
  }
}
