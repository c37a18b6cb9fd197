import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { groupByPartition } from './groupByPartition.js';

const require = createRequire(import.meta.url);
const kafkajsGroup = require('kafkajs/src/producer/groupMessagesPerPartition.js') as typeof groupByPartition;

describe('log > kafka > groupByPartition', () => {
  it('groups like kafkajs, keeping each partition in message order', () => {
    const messages = Array.from({ length: 500 }, (_, i) => ({ key: String(i % 13), value: `m${i}` }));
    const args = { topic: 't', partitionMetadata: [{}, {}, {}], messages, partitioner: ({ message }: { message: { key: string } }) => Number(message.key) % 3 };
    expect(groupByPartition(args)).toEqual(kafkajsGroup(args));
    expect(groupByPartition({ ...args, partitionMetadata: [] })).toEqual({});
  });
});
