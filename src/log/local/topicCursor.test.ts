import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rawCodec } from '../codec/rawCodec.js';
import { TopicCursor } from './topicCursor.js';
import { TopicWriter } from './topicWriter.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sluice-cursor-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rec = (i: number) => ({ timeMs: 1000 + i, key: `k${i % 3}`, value: Buffer.from(`value-${i}`) });
const text = (b: Buffer) => b.toString();
const size = (b: Buffer) => b.length;

describe('log > local > cursor', () => {
  it('reads on from where it was committed, across frames and segments, by count and bytes', () => {
    const w = TopicWriter.open(dir, rawCodec, { segmentBytes: 300, retentionBytes: null, retentionMs: null });
    for (let i = 0; i < 20; i += 4) w.append([rec(i), rec(i + 1), rec(i + 2), rec(i + 3)]);
    const cursor = new TopicCursor(dir, rawCodec, 0);
    const seen: string[] = [];
    for (let guard = 0; guard < 100; guard++) {
      const batch = cursor.read(3, 1 << 20, text, (s) => s.length);
      if (batch.messages.length === 0) break;
      expect(batch.messages.length).toBeLessThanOrEqual(3);
      seen.push(...batch.messages.map((m) => m.value));
      // Not committed yet: the same records come again.
      expect(cursor.read(3, 1 << 20, text, (s) => s.length).messages[0]!.offset).toBe(batch.messages[0]!.offset);
      cursor.commit(batch.nextOffset);
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => `value-${i}`));
    w.append([rec(20)]);
    expect(cursor.read(10, 1 << 20, text, (s) => s.length).messages.map((m) => [m.offset, m.key])).toEqual([[20, 'k2']]);
    // A byte limit returns at least one record, then stops before the one that would pass it.
    const from5 = new TopicCursor(dir, rawCodec, 5);
    expect(from5.read(100, 15, (b) => b, size).messages.map((m) => m.offset)).toEqual([5, 6]);
    w.close();
  });

  it('hands out intact values when a batch spans more than one read buffer or segment', () => {
    // Records from 1 KiB to 2.6 MiB: with 4 MiB batches some batches need a second chunk (the
    // first buffer is reused between reads, the continuation must not overwrite it).
    const sizes = [2_700_000, 1024, 2_700_000, 2_700_000, 300_000, 5000, 2_600_000, 900_000, 900_000, 900_000, 3_000_000, 10];
    const value = (i: number) => Buffer.alloc(sizes[i]!, 0x41 + i);
    const w = TopicWriter.open(dir, rawCodec, { segmentBytes: 6 << 20, retentionBytes: null, retentionMs: null });
    sizes.forEach((_, i) => w.append([{ timeMs: i, key: null, value: value(i) }]));
    const cursor = new TopicCursor(dir, rawCodec, 0);
    let next = 0;
    for (let guard = 0; guard < 100 && next < sizes.length; guard++) {
      const batch = cursor.read(1000, 4 << 20, (b) => b, size);
      for (const m of batch.messages) {
        expect(m.offset).toBe(next);
        expect(m.value.equals(value(next))).toBe(true);
        next++;
      }
      cursor.commit(batch.nextOffset);
    }
    expect(next).toBe(sizes.length);
    w.close();
  });
});
