// Creates the Sluice topics with the configured partition count if they do not exist yet, taking
// record batches up to TOPIC_MAX_MESSAGE_BYTES (the forwarder's batches; see batchBytes.ts); and
// deletes a prefix's topics again (benchmark and test runs, so they do not fill the broker's disk).
import { SluiceError } from '../../errors.js';
import { topicKinds, topicName } from '../topics.js';
import { TOPIC_MAX_MESSAGE_BYTES } from './batchBytes.js';
import type { KafkaClient } from './kafkaClient.js';

export async function ensureTopics(client: KafkaClient, prefix: string, partitions: number, replicationFactor = 1): Promise<void> {
  const admin = client.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topicKinds.map((k) => topicName(k, prefix)).filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic, numPartitions: partitions, replicationFactor,
        configEntries: [{ name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) }],
      })),
    });
  } catch (cause) {
    throw new SluiceError('ERR_KAFKA_PUBLISH', `create topics ${prefix}*: ${(cause as Error).message}`, { cause, retriable: true });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the topics of `prefix`, best effort: a broker that is gone keeps them. */
export async function deleteTopics(client: KafkaClient, prefix: string): Promise<void> {
  const admin = client.admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: topicKinds.map((k) => topicName(k, prefix)) });
  } catch {
    // only costs disk in the broker's data directory
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
