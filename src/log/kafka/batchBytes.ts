// How big the forwarder's sendBatch calls are. Each call becomes one record batch per partition,
// and the broker refuses a record batch over the topic's max.message.bytes (1 MiB unless set)
// with MESSAGE_TOO_LARGE, which retrying never fixes. ensureTopics creates the topics with
// TOPIC_MAX_MESSAGE_BYTES; batches stay well under it even if every record lands on one partition.
// Fewer, larger batches matter: kafkajs's per-request work (a round trip with acks from all
// replicas, a CRC and a copy per batch) is paid per call.

export const TOPIC_MAX_MESSAGE_BYTES = 8 << 20;
export const DEFAULT_MAX_BATCH_BYTES = 4 << 20;
/** The floor when halving after MESSAGE_TOO_LARGE (a topic made elsewhere with the 1 MiB default). */
export const MIN_BATCH_BYTES = 256 << 10;

/** A message's bytes as the batch limit counts them: the value plus ~70 bytes of record framing and key. */
export const messageBytes = (value: Buffer | string): number =>
  (typeof value === 'string' ? Buffer.byteLength(value) : value.length) + 70;

export function isMessageTooLarge(err: unknown): boolean {
  for (let e: unknown = err; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    if ((e as { type?: unknown }).type === 'MESSAGE_TOO_LARGE') return true;
    if (e === (e as { cause?: unknown }).cause) break;
  }
  return false;
}
