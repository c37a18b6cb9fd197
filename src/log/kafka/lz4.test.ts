import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lz4 } from './lz4.js';

// liblz4 is installed by scripts/setup.sh, so in CI it must have loaded.
const skip = lz4 === null && process.env.CI !== 'true';

describe('log > kafka > lz4', () => {
  it.skipIf(skip)('round-trips empty, small, multi-block and incompressible data', () => {
    const codec = lz4!;
    const text = Buffer.from(Array.from({ length: 3000 }, (_, i) => `{"flow":{"uuid":"${i}","verdict":"FORWARDED"}}`).join('\n'));
    for (const data of [Buffer.alloc(0), Buffer.from('a'), text, randomBytes(200_000)]) {
      const frame = codec.compress(data);
      // an LZ4 frame, as Kafka expects: the magic number first
      expect(frame.readUInt32LE(0)).toBe(0x184d2204);
      expect(codec.decompress(frame)).toEqual(data);
    }
    expect(codec.compress(text).length).toBeLessThan(text.length / 4);
  });

  it.skipIf(skip)('reads concatenated frames and refuses damaged ones by name', () => {
    const codec = lz4!;
    const a = Buffer.from('first '.repeat(1000));
    const b = Buffer.from('second');
    expect(codec.decompress(Buffer.concat([codec.compress(a), codec.compress(b)]))).toEqual(Buffer.concat([a, b]));
    const frame = codec.compress(a);
    expect(() => codec.decompress(frame.subarray(0, frame.length - 7))).toThrow(/lz4 decompress/);
    const bad = Buffer.from(frame);
    bad.writeUInt32LE(0x12345678, 0);
    expect(() => codec.decompress(bad)).toThrow(/lz4 decompress: .*/);
  });
});
