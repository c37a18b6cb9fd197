// Topic names. Every topic is `<prefix><kind>`; the prefix (default `sluice.`) lets several
// clusters or test runs share one Kafka cluster. streams/README.md documents the same names.
import { SluiceError } from '../errors.js';

export const topicKinds = ['flows', 'dns', 'policy-changes'] as const;
export type TopicKind = (typeof topicKinds)[number];

export const DEFAULT_TOPIC_PREFIX = 'sluice.';

export function topicName(kind: TopicKind, prefix: string = DEFAULT_TOPIC_PREFIX): string {
  return `${prefix}${kind}`;
}

export function parseTopicKind(text: string, prefix: string = DEFAULT_TOPIC_PREFIX): TopicKind {
  const kind = text.startsWith(prefix) ? text.slice(prefix.length) : text;
  if ((topicKinds as readonly string[]).includes(kind)) return kind as TopicKind;
  throw new SluiceError('ERR_CONFIG', `topic '${text}': expected one of ${topicKinds.join(', ')}`);
}
