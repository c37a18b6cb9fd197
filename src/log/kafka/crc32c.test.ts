import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';

// kafkajs's own byte-at-a-time version, loaded from its file (not through the module cache).
const require = createRequire(import.meta.url);
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number;

describe('log > kafka > crc32c', () => {
  it('gives the CRC-32C check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('equals kafkajs at every length and alignment', () => {
    const data = randomBytes(4096);
    for (let len = 0; len < 80; len++) {
      for (const start of [0, 1, 3, 7]) {
        const b = data.subarray(start, start + len);
        expect(crc32c(b)).toBe(kafkajsCrc32c(b));
      }
    }
    expect(crc32c(data)).toBe(kafkajsCrc32c(data));
  });
});
