// The forwarder's partitioner: kafkajs's DefaultPartitioner (Java's murmur2 of the key, modulo
// the partition count; round robin over available partitions for keyless messages) computed in
// 32-bit integers. kafkajs's murmur2 does its arithmetic in 64-bit Long objects (a BigInt each,
// ~20 per key) and its partitioner filters the partition list per message; at several hundred
// thousand flows a second both were a tenth of the forwarder's time, most of it garbage. The
// partitions are the same (partitioner.test.ts), so each endpoint's flows stay on the partition
// any Kafka client would pick for its key.
import { randomBytes } from 'node:crypto';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

function murmur2Bytes(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  switch (length & 3) {
    case 3: h ^= data[tail + 2]! << 16; // falls through
    case 2: h ^= data[tail + 1]! << 8; // falls through
    case 1: h ^= data[tail]!; h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

const asciiKey = new Uint8Array(64);

/** Kafka's murmur2 of a key (a string as its UTF-8 bytes), as a signed 32-bit integer. */
export function murmur2(key: Buffer | string): number {
  if (typeof key === 'string' && key.length <= asciiKey.length) {
    // Short ASCII keys (endpoint ids) without a Buffer per key.
    let ascii = true;
    for (let i = 0; i < key.length && ascii; i++) {
      const c = key.charCodeAt(i);
      asciiKey[i] = c;
      ascii = c < 0x80;
    }
    if (ascii) return murmur2Bytes(asciiKey.subarray(0, key.length));
  }
  return murmur2Bytes(Buffer.isBuffer(key) ? key : Buffer.from(String(key)));
}

interface PartitionArgs {
  topic: string;
  partitionMetadata: { partitionId: number; leader: number }[];
  message: { key?: Buffer | string | null; partition?: number | null };
}

/**
 * A createPartitioner for kafkajs's producer() with kafkajs's DefaultPartitioner's choices. With
 * `partitionCounts`, it notes each topic's partition count there (the forwarder's lanes use it).
 */
export const keyPartitioner = (partitionCounts?: Map<string, number>) => () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }: PartitionArgs): number => {
    partitionCounts?.set(topic, partitionMetadata.length);
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) return (murmur2(message.key) & 0x7fffffff) % partitionMetadata.length;
    const next = (counters.get(topic) ?? randomBytes(4).readUInt32BE(0)) + 1;
    counters.set(topic, next);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return available[(next & 0x7fffffff) % available.length]!.partitionId;
    return (next & 0x7fffffff) % partitionMetadata.length;
  };
};
