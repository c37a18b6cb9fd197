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
});
