import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonEnvelopeCodec } from '../codec/jsonEnvelopeCodec.js';
import { rawCodec } from '../codec/rawCodec.js';
import { TopicReader } from './topicReader.js';
import { TopicWriter } from './topicWriter.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sluice-raw-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('log > local > writer > appendRaw', () => {
  it('stores what the caller writes, with times and keys, in the frames append() would write', () => {
    const values = Array.from({ length: 3000 }, (_, i) => Buffer.from(`{"line":${i},"pad":"${'x'.repeat(i % 700)}"}`));
    const a = TopicWriter.open(join(dir, 'a'), rawCodec, { retentionBytes: null, retentionMs: null });
    const b = TopicWriter.open(join(dir, 'b'), rawCodec, { retentionBytes: null, retentionMs: null });
    const records = values.map((value, i) => ({ timeMs: 1000 + i, key: i % 5 === 0 ? null : `ep-${i % 7}`, value }));
    expect(a.append(records)).toBe(0);
    expect(b.appendRaw({ count: records.length, timeMs: (i) => records[i]!.timeMs, key: (i) => records[i]!.key, write: (i, out) => out.bytes(records[i]!.value) })).toBe(0);
    expect(b.appendRaw({ count: 1, timeMs: () => 5, key: () => 'k', write: (_, out) => out.utf8('tail') })).toBe(3000);
    a.close();
    b.close();
    const read = (d: string) => new TopicReader(join(dir, d), rawCodec).read().map((r) => ({ offset: r.offset, timeMs: r.timeMs, key: r.key, value: r.value.toString() }));
    const got = read('b');
    expect(got.slice(0, 3000)).toEqual(read('a'));
    expect(got[3000]).toEqual({ offset: 3000, timeMs: 5, key: 'k', value: 'tail' });
  });

  it('refuses a topic whose values are not raw bytes', () => {
    const w = TopicWriter.open(dir, jsonEnvelopeCodec, {});
    expect(() => w.appendRaw({ count: 1, timeMs: () => 0, key: () => null, write: () => undefined })).toThrow(/codec/);
    w.close();
  });
});
