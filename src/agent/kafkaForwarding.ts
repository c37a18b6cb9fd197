// Kafka for the agent: the forwarder that ships the local log to the brokers, run beside the agent.
// It runs where the brokers are reachable: in the agent's own process when the agent stays in its
// starting namespace, in the outer `sluice agent` (or `sluice demo`) process when the agent
// re-executes itself inside a node namespace that has no route to them. It only reads the local
// log and its own checkpoint, so it needs nothing else from the agent.
import { createKafkaClient } from '../log/kafka/kafkaClient.js';
import { ensureTopics } from '../log/kafka/ensureTopics.js';
import { ForwarderThread } from '../log/kafka/forwarderThread.js';
import { checkpointPath, readCheckpoint } from '../log/kafka/forwarderCheckpoint.js';
import { openTopicReader } from '../log/eventLog.js';
import { topicKinds } from '../log/topics.js';
import type { AgentConfig } from './config.js';

export interface KafkaForwarding {
  readonly forwarder: ForwarderThread;
  stop(): Promise<void>;
}

export async function startKafkaForwarding(log: AgentConfig['log'], say: (line: string) => void): Promise<KafkaForwarding | undefined> {
  if (!log.kafka) return undefined;
  const { brokers, topicPrefix, partitions, compression } = log.kafka;
  const client = createKafkaClient({ brokers, clientId: 'sluice-agent' });
  try {
    await ensureTopics(client, topicPrefix, partitions);
  } catch (err) {
    // not fatal: events wait in the local log and the forwarder retries until the brokers answer
    say(`kafka: ${(err as Error).message}; events wait in the local log`);
  }
  // On a thread of its own (the setup `npm run bench -- kafka` measures): reading the log back
  // and encoding batches then take no time from the DNS proxy and the flow reader.
  const forwarder = new ForwarderThread({
    logDir: log.dir,
    connect: { brokers, clientId: 'sluice-agent' },
    topicPrefix,
    compression,
    onError: (err) => say(`kafka: ${err.message} (retrying; events wait in the local log)`),
  });
  forwarder.start();
  say(`kafka: forwarding ${log.dir} to ${brokers.join(',')} (topics ${topicPrefix}*, ${compression} compression)`);
  return { forwarder, stop: () => forwarder.stop() };
}

/** Events in the local log that Kafka has not acknowledged, from the forwarder's checkpoint file. */
export function kafkaLag(log: AgentConfig['log']): number {
  if (!log.kafka) return 0;
  const checkpoint = readCheckpoint(checkpointPath(log.dir, log.kafka.topicPrefix));
  let lag = 0;
  for (const kind of topicKinds) lag += Math.max(0, openTopicReader(log.dir, kind).endOffset() - (checkpoint[kind] ?? 0));
  return lag;
}
