// Messages grouped by the partition the partitioner picks: what kafkajs's own
// groupMessagesPerPartition returns, in linear time. Its version copies the partition's array for
// every message ([...current, message]), so a 5000-message sendBatch did ~4 M element copies and
// larger batches got slower per message. kafkajsPatches.ts plugs this one in.
export interface GroupArgs<M> {
  topic: string;
  partitionMetadata: unknown[];
  messages: M[];
  partitioner: (args: { topic: string; partitionMetadata: unknown[]; message: M }) => number;
}

export function groupByPartition<M>({ topic, partitionMetadata, messages, partitioner }: GroupArgs<M>): Record<number, M[]> {
  const out: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return out;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (out[partition] ??= []).push(message);
  }
  return out;
}
