// How many messages a topic holds, for the Kafka benchmarks' `lost` (a run's topics are dropped
// afterwards with ensureTopics.ts's deleteTopics).
import type { KafkaClient } from '../log/kafka/kafkaClient.js';

export async function topicMessageCount(client: KafkaClient, topic: string): Promise<number> {
  const admin = client.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}
