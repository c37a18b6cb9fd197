import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';
import { crc32cFast, crc32cNative } from './crc32cNative.js';

const inCI = process.env.CI === 'true';

describe('log > kafka > crc32c native', () => {
  // Built by `npm run build` (make -C native); CI builds it, so there it must have loaded.
  it.skipIf(crc32cNative === null && !inCI)('loads and agrees with the JavaScript version at every length and alignment', () => {
    expect(crc32cNative).not.toBeNull();
    const native = crc32cNative!;
    expect(native(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(native(Buffer.alloc(0))).toBe(0);
    const data = randomBytes(1 << 16);
    for (let len = 0; len < 80; len++) {
      for (const start of [0, 1, 3, 7]) {
        const b = data.subarray(start, start + len);
        expect(native(b)).toBe(crc32c(b));
      }
    }
    for (const [start, len] of [[0, 1 << 16], [5, 4099], [1000, 60_000]] as const) {
      const b = data.subarray(start, start + len);
      expect(native(b)).toBe(crc32c(b));
    }
  });

  it('crc32cFast equals the JavaScript version on either side of the switch to native', () => {
    const data = randomBytes(8192);
    for (const len of [0, 100, 1023, 1024, 1025, 8192]) expect(crc32cFast(data.subarray(0, len))).toBe(crc32c(data.subarray(0, len)));
  });
});
