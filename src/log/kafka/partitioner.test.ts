import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyPartitioner, murmur2 } from './partitioner.js';

// kafkajs's own, from their files.
const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer | string) => number;
const kafkajsDefault = require('kafkajs/src/producer/partitioners/default/index.js') as () => (args: unknown) => number;

describe('log > kafka > partitioner', () => {
  it('murmur2 equals kafkajs for any key, string or bytes, of any length', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 100 }), fc.uint8Array({ maxLength: 100 }).map((a) => Buffer.from(a))), (key) => {
      expect(murmur2(key)).toBe(kafkajsMurmur2(key));
    }), { numRuns: 2000 });
    for (let id = 0; id < 5000; id++) expect(murmur2(String(id))).toBe(kafkajsMurmur2(String(id)));
  });

  it('picks the partition kafkajs picks for keyed and pinned messages', () => {
    const ours = keyPartitioner()();
    const theirs = kafkajsDefault();
    for (const n of [1, 3, 7, 64]) {
      const partitionMetadata = Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 1 }));
      for (let id = 0; id < 300; id++) {
        for (const message of [{ key: String(id) }, { key: Buffer.from(`k${id}`) }, { key: 'x', partition: id % n }]) {
          expect(ours({ topic: 't', partitionMetadata, message })).toBe(theirs({ topic: 't', partitionMetadata, message }));
        }
      }
    }
  });

  it('spreads keyless messages round robin over partitions with a leader', () => {
    const counts = new Map<string, number>();
    const p = keyPartitioner(counts)();
    const partitionMetadata = [{ partitionId: 0, leader: 1 }, { partitionId: 1, leader: -1 }, { partitionId: 2, leader: 1 }];
    const seen = new Set(Array.from({ length: 10 }, () => p({ topic: 't', partitionMetadata, message: { key: null } })));
    expect(seen).toEqual(new Set([0, 2]));
    expect(counts.get('t')).toBe(3);
  });
});
