// The forwarder's lanes: each batch read from the local log is split by key over several
// idempotent producers, which send their parts at the same time. One producer allows one request
// in flight (see forwarder.ts), so the broker appended one batch while the forwarder waited, then
// the forwarder encoded the next while the broker waited; with lanes the broker appends one
// lane's batch while the forwarder encodes another's, and appends two at once when it has the
// cores. A key always falls in the same lane (its partition's, when the partition count is
// known: then each partition is written by one producer), so each endpoint's flows keep their
// order: within a batch they travel in one lane, and a batch is acknowledged by every lane
// before the next one is read.
import { murmur2 } from './partitioner.js';

export interface LaneMessage { key: string | Buffer | null }

/** The lane of a key: its partition's lane with `partitions` known (> 0), else by hash. */
export function laneOf(key: string | Buffer | null, partitions: number, lanes: number): number {
  if (lanes <= 1 || key === null) return 0;
  const hash = murmur2(key) & 0x7fffffff;
  return (partitions > 0 ? hash % partitions : hash) % lanes;
}

/** `messages` split into `lanes` arrays, each in the original order. */
export function splitLanes<M extends LaneMessage>(messages: readonly M[], partitions: number, lanes: number): M[][] {
  const out: M[][] = Array.from({ length: lanes }, () => []);
  for (const m of messages) out[laneOf(m.key, partitions, lanes)]!.push(m);
  return out;
}
