import { describe, expect, it } from 'vitest';

describe('log > kafka > kafkajs patches', () => {
  it('are all in place when the forwarder is the first to load kafkajs', async () => {
    await import('./forwarder.js');
    const { kafkajsPatched } = await import('./kafkajsPatches.js');
    expect(kafkajsPatched).toEqual({ encoder: true, crc32c: true, groupMessagesPerPartition: true, produceRequest: true, requestFrame: true });
  });
});
