import { describe, expect, it } from 'vitest';
import { formatTimeMs, formatTimeNs, parseTimeMs, writeTimeNs } from './time.js';

describe('log > time > formatTimeMs', () => {
  it('prints whole milliseconds exactly (epochMs * 1e6 is past 2^53)', () => {
    const ms = Date.parse('2025-11-27T16:48:55.667Z');
    expect(ms * 1e6).toBeGreaterThan(2 ** 53);
    expect(formatTimeMs(ms)).toBe('2025-11-27T16:48:55.667000000Z');
    for (let i = 0; i < 1000; i++) expect(formatTimeMs(ms + i).slice(23)).toBe('000000Z');
  });

  it('keeps a representable sub-ms fraction and carries a fraction that rounds up to 1 ms', () => {
    const ms = Date.parse('2025-11-27T16:48:55.667Z');
    expect(formatTimeMs(ms + 0.25)).toBe('2025-11-27T16:48:55.667250000Z');
    expect(formatTimeMs(ms + 0.5)).toBe('2025-11-27T16:48:55.667500000Z');
    expect(formatTimeMs(ms + 0.9999999999)).toBe('2025-11-27T16:48:55.668000000Z');
  });

  it('round-trips with parseTimeMs and agrees with formatTimeNs', () => {
    const text = '2025-11-27T16:48:55.667250000Z';
    expect(formatTimeMs(parseTimeMs(text))).toBe(text);
    expect(formatTimeMs(0)).toBe(formatTimeNs(0n));
    expect(formatTimeMs(-1.5)).toBe('1969-12-31T23:59:59.998500000Z');
  });
});

describe('log > time > writeTimeNs', () => {
  it('writes the bytes of formatTimeNs, across seconds, before 1970 and at the fraction edges', () => {
    const out = Buffer.alloc(64);
    const base = 1_764_259_200_000_000_000n;
    for (const ns of [0n, -1n, -1_000_000_000n, 999_999_999n, base, base + 1n, base + 999_999_999n, base + 1_000_000_000n, 253_402_300_799_999_999_999n]) {
      const end = writeTimeNs(ns, out, 3);
      expect(out.toString('latin1', 3, end)).toBe(formatTimeNs(ns));
    }
    for (let i = 0; i < 2000; i++) {
      const ns = base + BigInt(Math.floor(Math.random() * 1e15));
      expect(out.toString('latin1', 0, writeTimeNs(ns, out, 0))).toBe(formatTimeNs(ns));
    }
  });
});
