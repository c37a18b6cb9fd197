import { describe, expect, it } from 'vitest';
import { laneOf, splitLanes } from './lanes.js';
import { keyPartitioner } from './partitioner.js';

describe('log > kafka > lanes', () => {
  it('keeps each key in one lane, in order, and gives each partition one lane', () => {
    const messages = Array.from({ length: 2000 }, (_, i) => ({ key: String(1 + (i % 64)), seq: i }));
    const lanes = splitLanes(messages, 3, 2);
    expect(lanes.flat().length).toBe(messages.length);
    const laneOfKey = new Map<string, number>();
    lanes.forEach((lane, l) => {
      for (const m of lane) {
        expect(laneOfKey.get(m.key) ?? l).toBe(l);
        laneOfKey.set(m.key, l);
      }
      // order within a lane is the batch's order
      expect(lane.map((m) => m.seq)).toEqual([...lane.map((m) => m.seq)].sort((a, b) => a - b));
    });
    expect(lanes.every((l) => l.length > 0)).toBe(true);
    // The partition kafkajs's partitioner picks decides the lane: one producer per partition.
    const partitionOf = keyPartitioner()();
    const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 1 }));
    const laneOfPartition = new Map<number, number>();
    for (let id = 0; id < 500; id++) {
      const p = partitionOf({ topic: 't', partitionMetadata, message: { key: String(id) } });
      const l = laneOf(String(id), 3, 2);
      expect(laneOfPartition.get(p) ?? l).toBe(l);
      laneOfPartition.set(p, l);
    }
  });

  it('puts keyless messages and a single lane in lane 0', () => {
    expect(laneOf(null, 3, 4)).toBe(0);
    expect(laneOf('x', 3, 1)).toBe(0);
    expect(splitLanes([{ key: null }, { key: 'a' }], 0, 1)).toEqual([[{ key: null }, { key: 'a' }]]);
  });
});
