import { getEventListeners } from 'node:events';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSluiceError } from '../../errors.js';
import { rawCodec } from '../codec/rawCodec.js';
import { crc32, crc32Table } from './crc32.js';
import { describeRecovery } from './recoveryReport.js';
import { listSegments, logPath } from './segmentFiles.js';
import { TopicReader } from './topicReader.js';
import { TopicWriter } from './topicWriter.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sluice-log-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// Record times in these tests are near the epoch: keep the default age limit from deleting them.
const keepAll = { retentionMs: null, retentionBytes: null };
const rec = (i: number, timeMs = 1_000 + i) => ({ timeMs, key: `ep${i % 3}`, value: Buffer.from(`value-${i}`) });
const values = (rs: { value: Buffer }[]) => rs.map((r) => r.value.toString());

describe('log > local > round trip', () => {
  it('reads back what was appended, in order, with offsets, keys and times', () => {
    const w = TopicWriter.open(dir, rawCodec, { ...keepAll, fsync: { mode: 'always' } });
    expect(w.append([rec(0), rec(1)])).toBe(0);
    expect(w.append([rec(2)])).toBe(2);
    w.close();
    const got = new TopicReader(dir, rawCodec).read();
    expect(got.map((r) => [r.offset, r.key, r.timeMs, r.value.toString()])).toEqual([
      [0, 'ep0', 1000, 'value-0'], [1, 'ep1', 1001, 'value-1'], [2, 'ep2', 1002, 'value-2'],
    ]);
  });

  it('continues offsets after reopening and across segment rolls', () => {
    let w = TopicWriter.open(dir, rawCodec, { ...keepAll, segmentBytes: 300, fsync: { mode: 'never' } });
    for (let i = 0; i < 20; i++) w.append([rec(i)]);
    w.close();
    w = TopicWriter.open(dir, rawCodec, { ...keepAll, segmentBytes: 300, fsync: { mode: 'never' } });
    expect(w.nextOffset).toBe(20);
    w.append([rec(20)]);
    w.close();
    expect(listSegments(dir).length).toBeGreaterThan(3);
    const reader = new TopicReader(dir, rawCodec);
    expect(reader.read().map((r) => r.offset)).toEqual([...Array(21).keys()]);
    expect(reader.endOffset()).toBe(21);
    expect(values(reader.read({ fromOffset: 17 }))).toEqual(['value-17', 'value-18', 'value-19', 'value-20']);
  });

  it('splits one large batch into several frames and reads it back', () => {
    const w = TopicWriter.open(dir, rawCodec, { ...keepAll, indexIntervalBytes: 1024 });
    const batch = Array.from({ length: 70_000 }, (_, i) => rec(i));
    w.append(batch);
    w.close();
    const reader = new TopicReader(dir, rawCodec);
    let n = 0;
    reader.scan({}, (r) => { expect(r.offset).toBe(n); n++; });
    expect(n).toBe(70_000);
    expect(values(reader.read({ fromOffset: 65_534, limit: 3 }))).toEqual(['value-65534', 'value-65535', 'value-65536']);
  });

  it('the table CRC gives the same values as the native one', () => {
    const data = Buffer.from('123456789');
    expect(crc32Table(data)).toBe(0xcbf43926);
    expect(crc32(data)).toBe(0xcbf43926);
  });
});

describe('log > local > recovery', () => {
  it('cuts a torn last frame at open, reports it, and appends after it', () => {
    const w = TopicWriter.open(dir, rawCodec, keepAll);
    w.append([rec(0)]);
    w.append([rec(1), rec(2)]);
    w.close();
    const path = logPath(dir, 0);
    const full = statSync(path).size;
    truncateSync(path, full - 5); // a crash in the middle of the second write
    const again = TopicWriter.open(dir, rawCodec, keepAll);
    expect(again.recovery).not.toBeNull();
    expect(again.recovery!.reason).toBe('incomplete');
    expect(again.recovery!.truncatedBytes).toBeGreaterThan(0);
    expect(describeRecovery(again.recovery!)).toMatch(/torn tail/);
    expect(again.nextOffset).toBe(1);
    again.append([rec(9)]);
    again.close();
    expect(values(new TopicReader(dir, rawCodec).read())).toEqual(['value-0', 'value-9']);
  });

  it('cuts a last frame whose checksum fails, and says it was corrupt', () => {
    const w = TopicWriter.open(dir, rawCodec, keepAll);
    w.append([rec(0)]);
    w.append([rec(1)]);
    w.close();
    const path = logPath(dir, 0);
    const bytes = readFileSync(path);
    bytes[bytes.length - 2] ^= 0xff;
    writeFileSync(path, bytes);
    const again = TopicWriter.open(dir, rawCodec, keepAll);
    expect(again.recovery?.reason).toBe('corrupt');
    expect(again.recovery?.detail).toMatch(/crc32/);
    expect(again.nextOffset).toBe(1);
    again.close();
  });

  it('reports no recovery for a clean log', () => {
    const w = TopicWriter.open(dir, rawCodec, keepAll);
    w.append([rec(0)]);
    w.close();
    const again = TopicWriter.open(dir, rawCodec, keepAll);
    expect(again.recovery).toBeNull();
    again.close();
  });

  it('a reader stops quietly at a frame still being written, and fails on corruption before the end', () => {
    const w = TopicWriter.open(dir, rawCodec, { ...keepAll, segmentBytes: 100 });
    for (let i = 0; i < 4; i++) w.append([rec(i)]);
    w.close();
    const segments = listSegments(dir);
    const last = logPath(dir, segments.at(-1)!);
    appendFileSync(last, Buffer.from([200, 0, 0, 0, 1, 2])); // half a frame header
    expect(values(new TopicReader(dir, rawCodec).read())).toHaveLength(4);
    const first = logPath(dir, segments[0]!);
    const bytes = readFileSync(first);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(first, bytes);
    let err: unknown;
    try { new TopicReader(dir, rawCodec).read(); } catch (e) { err = e; }
    expect(isSluiceError(err, 'ERR_LOG_CORRUPT')).toBe(true);
  });
});

describe('log > local > retention', () => {
  it('deletes whole old segments by size, never the active one', () => {
    const w = TopicWriter.open(dir, rawCodec, { segmentBytes: 200, retentionBytes: 500, retentionMs: null });
    for (let i = 0; i < 40; i++) w.append([rec(i)]);
    expect(w.stats.retention.deletedSegments).toBeGreaterThan(0);
    const reader = new TopicReader(dir, rawCodec);
    const kept = reader.read();
    expect(kept.at(-1)!.offset).toBe(39);
    expect(kept[0]!.offset).toBe(w.startOffset);
    expect(w.stats.retention.deletedRecords).toBe(w.startOffset);
    w.close();
  });

  it('deletes segments whose newest record is older than the age limit', () => {
    let now = 1_500;
    const w = TopicWriter.open(dir, rawCodec, { segmentBytes: 100, retentionBytes: null, retentionMs: 1_000, nowMs: () => now });
    for (let i = 0; i < 5; i++) w.append([rec(i, 1_000 + i)]);
    expect(w.applyRetention().deletedSegments).toBe(0);
    // Two ~56-byte frames fill a 100-byte segment: segments hold offsets [0,1] [2,3] [4].
    now = 2_002; // cutoff 1002: the first segment (newest 1001) goes, the second (newest 1003) stays
    const result = w.applyRetention();
    expect(result).toEqual({ deletedSegments: 1, deletedRecords: 2, deletedBytes: expect.any(Number) });
    expect(new TopicReader(dir, rawCodec).read().map((r) => r.offset)).toEqual([2, 3, 4]);
    now = 1_000_000; // everything is old now, but the active segment always stays
    w.applyRetention();
    expect(new TopicReader(dir, rawCodec).read().map((r) => r.offset)).toEqual([4]);
    w.close();
  });
});

describe('log > local > time index', () => {
  it('finds the first records at or after a time, across segments and index entries', () => {
    const w = TopicWriter.open(dir, rawCodec, { ...keepAll, segmentBytes: 4096, indexIntervalBytes: 64 });
    for (let i = 0; i < 500; i++) w.append([rec(i, 10_000 + i * 10)]);
    w.close();
    const reader = new TopicReader(dir, rawCodec);
    const got = reader.read({ fromTimeMs: 10_000 + 333 * 10 - 5, limit: 2 });
    expect(got.map((r) => r.offset)).toEqual([333, 334]);
    const window = reader.read({ fromTimeMs: 10_100, untilTimeMs: 10_120 });
    expect(window.map((r) => r.offset)).toEqual([10, 11, 12]);
  });

  it('never misses a record when times go backwards (flows from several CPUs)', () => {
    const w = TopicWriter.open(dir, rawCodec, { ...keepAll, indexIntervalBytes: 32 });
    const times = [100, 300, 200, 500, 400, 250, 600, 150, 700];
    times.forEach((t, i) => w.append([rec(i, t)]));
    w.close();
    const got = new TopicReader(dir, rawCodec).read({ fromTimeMs: 240 });
    expect(got.map((r) => r.timeMs)).toEqual([300, 500, 400, 250, 600, 700]);
  });
});

describe('log > local > follow', () => {
  it('delivers records appended after it started, then stops on abort', async () => {
    const w = TopicWriter.open(dir, rawCodec, keepAll);
    w.append([rec(0)]);
    const seen: string[] = [];
    const ac = new AbortController();
    const done = new TopicReader(dir, rawCodec).follow({ signal: ac.signal, pollMs: 20 }, (r) => {
      seen.push(r.value.toString());
      if (seen.length === 3) ac.abort();
    });
    await new Promise((r) => setTimeout(r, 50));
    w.append([rec(1)]);
    w.append([rec(2)]);
    const next = await done;
    expect(seen).toEqual(['value-0', 'value-1', 'value-2']);
    expect(next).toBe(3);
    w.close();
  });

  it('on a busy log, keeps one timer and one abort listener, not one per wake-up', async () => {
    const w = TopicWriter.open(dir, rawCodec, keepAll);
    let seen = 0;
    const ac = new AbortController();
    const done = new TopicReader(dir, rawCodec).follow({ signal: ac.signal, pollMs: 10_000 }, () => { seen++; });
    let most = 0;
    for (let i = 0; i < 40; i++) {
      w.append([rec(i)]);
      await new Promise((r) => setTimeout(r, 5));
      most = Math.max(most, getEventListeners(ac.signal, 'abort').length);
    }
    for (let i = 0; i < 100 && seen < 40; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toBe(40);
    expect(most).toBe(1);
    // the wait ends at the abort itself, not at the (here long) poll interval
    const started = Date.now();
    ac.abort();
    expect(await done).toBe(40);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    w.close();
  });
});
