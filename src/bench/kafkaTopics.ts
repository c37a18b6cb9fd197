// Topic helpers shared by the Kafka benchmarks: how many messages a topic holds, and dropping a
// run's topics afterwards so benchmark runs do not fill the broker's disk.
import type { KafkaClient } from '../log/kafka/kafkaClient.js';
import { topicKinds, topicName } from '../log/topics.js';

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

export async function deleteRunTopics(client: KafkaClient, prefix: string): Promise<void> {
  const admin = client.admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: topicKinds.map((k) => topicName(k, prefix)) });
  } catch {
    // Best effort: a broker that is gone keeps the topics, which only costs disk in its temp dir.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
