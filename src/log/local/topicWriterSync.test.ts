import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rawCodec } from '../codec/rawCodec.js';
import { TopicReader } from './topicReader.js';
import { TopicWriter } from './topicWriter.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sluice-sync-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// Up to 20 s: an fdatasync waits for the disk, which after gigabytes of benchmark writes on the
// same machine can take seconds.
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

describe('log > local > writer > interval fsync', () => {
  it('syncs in the background on its timer while appends, rolls and retention go on', { timeout: 60_000 }, async () => {
    const w = TopicWriter.open(dir, rawCodec, { fsync: { mode: 'interval', intervalMs: 5 }, segmentBytes: 2000, retentionBytes: 6000, retentionMs: null });
    const value = Buffer.alloc(300, 0x61);
    await until(() => { w.append([{ timeMs: 1, key: 'k', value }]); return w.stats.fsyncs >= 1; });
    // Keep rolling and deleting segments while timer syncs run: none may fail.
    for (let i = 0; i < 40; i++) {
      w.append([{ timeMs: 1, key: 'k', value }, { timeMs: 2, key: null, value }]);
      await new Promise((r) => setTimeout(r, 2));
    }
    // One more append after the count is taken: a sync of the loop's last append may already have
    // finished by now, leaving nothing dirty for the timer to sync.
    const before = w.stats.fsyncs;
    w.append([{ timeMs: 3, key: 'k', value }]);
    await until(() => w.stats.fsyncs > before);
    expect(w.stats.fsyncFailures).toBe(0);
    expect(w.stats.retention.deletedSegments).toBeGreaterThan(0);
    w.close();
    const r = new TopicReader(dir, rawCodec);
    expect(r.endOffset()).toBe(w.nextOffset);
  });
});
