import { describe, expect, it } from 'vitest';
import { isEventId, newEventId, writeEventId } from './eventId.js';

describe('log > event id', () => {
  it('writeEventId writes a UUIDv7 with the time bits newEventId gives the same millisecond', () => {
    const out = Buffer.alloc(40);
    for (const ms of [0, 1, 0xffff, 0x1_0000, Date.parse('2026-11-27T18:00:00.123Z'), 2 ** 48 - 1]) {
      expect(writeEventId(out, 2, ms)).toBe(38);
      const id = out.toString('latin1', 2, 38);
      expect(isEventId(id)).toBe(true);
      expect(id.slice(0, 13)).toBe(newEventId(ms).slice(0, 13));
    }
  });

  it('ids differ from one another (random bits from the shared pool)', () => {
    const out = Buffer.alloc(36);
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      writeEventId(out, 0, 1_700_000_000_000);
      ids.add(out.toString('latin1'));
      ids.add(newEventId(1_700_000_000_000));
    }
    expect(ids.size).toBe(20_000);
  });
});
