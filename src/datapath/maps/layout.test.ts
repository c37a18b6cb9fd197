import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ALLOW_KEY_FIXED_BITS, decodeAllowKey, encodeAllowKey, layouts, parsePrefix, writeAddress } from './layout.js';

// The key as the general path builds it (parsePrefix, writeAddress, mask): encodeAllowKey's IPv4
// fast path must give the same bytes for every input it takes.
function reference(endpointId: number, prefix: string): Buffer {
  const { address, bits, family } = parsePrefix(prefix);
  const out = Buffer.alloc(layouts.allow_key.size);
  out.writeUInt32LE(ALLOW_KEY_FIXED_BITS + bits, 0);
  out.writeUInt32LE(endpointId, 4);
  out.writeUInt32LE(family, 8);
  writeAddress(out, 12, address);
  const bytes = family === 4 ? 4 : 16;
  for (let i = 0; i < bytes; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[12 + i] = out[12 + i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

describe('datapath > maps > encodeAllowKey', () => {
  it('encodes canonical IPv4 prefixes like the general path', () => {
    fc.assert(fc.property(fc.ipV4(), fc.option(fc.integer({ min: 0, max: 32 })), fc.integer({ min: 0, max: 0xffffffff }), (ip, bits, id) => {
      const prefix = bits === null ? ip : `${ip}/${bits}`;
      expect(encodeAllowKey(id, prefix)).toEqual(reference(id, prefix));
    }), { numRuns: 2000 });
  });

  it('writes in place at an offset without touching its neighbours', () => {
    const out = Buffer.alloc(layouts.allow_key.size * 3, 0xaa);
    encodeAllowKey(7, '192.0.2.10/24', out, layouts.allow_key.size);
    expect(out.subarray(0, layouts.allow_key.size).every((b) => b === 0xaa)).toBe(true);
    expect(out.subarray(layouts.allow_key.size * 2).every((b) => b === 0xaa)).toBe(true);
    expect(decodeAllowKey(out.subarray(layouts.allow_key.size, layouts.allow_key.size * 2))).toEqual({ endpointId: 7, prefix: '192.0.2.0/24' });
  });

  it('leaves odd spellings to the general path, which accepts or rejects them as before', () => {
    for (const p of ['1.2.3.4/032', '0.0.0.0/0', '255.255.255.255', '10.0.0.0/8', '::ffff:192.0.2.1/128', '2001:db8::/32']) {
      expect(encodeAllowKey(1, p)).toEqual(reference(1, p));
    }
    for (const p of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4/33', '1.2.3.4/x', 'a.b.c.d', '', '1.2.3.4/-1']) {
      expect(() => encodeAllowKey(1, p), p).toThrow();
    }
  });
});
