// Which value codec each topic's local log uses, and how its values become Kafka messages.
import { compactEnvelopeCodec } from './codec/compactEnvelopeCodec.js';
import { jsonEnvelopeCodec } from './codec/jsonEnvelopeCodec.js';
import { rawCodec } from './codec/rawCodec.js';
import type { ValueCodec } from './codec/valueCodec.js';
import type { Envelope } from './envelope.js';
import type { TopicKind } from './topics.js';

export interface TopicValues {
  flows: Buffer;
  dns: Envelope;
  'policy-changes': Envelope;
}

export const topicCodecs: { [K in TopicKind]: ValueCodec<TopicValues[K]> } = {
  flows: rawCodec,
  dns: jsonEnvelopeCodec,
  'policy-changes': compactEnvelopeCodec,
};

/** The bytes a Kafka consumer gets: Hubble JSON lines for flows, envelope JSON otherwise. */
export function kafkaValue(kind: TopicKind, value: Buffer | Envelope): Buffer | string {
  return kind === 'flows' ? (value as Buffer) : JSON.stringify(value);
}
