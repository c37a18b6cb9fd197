// The forwarder's cursor against the writer's last frame: a read can see part of a write still in
// progress, and by the time the cursor lists the segments the writer may have finished it and
// rolled. listSegments is wrapped so the test finishes the frame at exactly that moment.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isSluiceError } from '../../errors.js';
import { rawCodec } from '../codec/rawCodec.js';
import { TopicCursor } from './topicCursor.js';
import { TopicWriter } from './topicWriter.js';
import { listSegments, logPath } from './segmentFiles.js';

const hooks = vi.hoisted(() => ({ beforeList: undefined as (() => void) | undefined }));
vi.mock('./segmentFiles.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./segmentFiles.js')>();
  return {
    ...real,
    listSegments: (dir: string) => {
      const hook = hooks.beforeList;
      hooks.beforeList = undefined;
      hook?.();
      return real.listSegments(dir);
    },
  };
});

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sluice-cursor-race-')); });
afterEach(() => { hooks.beforeList = undefined; rmSync(dir, { recursive: true, force: true }); });

const rec = (i: number) => ({ timeMs: 1000 + i, key: null, value: Buffer.from(`value-${i}`.padEnd(40, '.')) });
const text = (b: Buffer) => b.toString();

/** Four one-record frames in the first segment, the rest in a second; returns the first's path and its last frame's size. */
function twoSegments(): { first: string; lastFrameBytes: number } {
  const sizes: number[] = [];
  const w = TopicWriter.open(dir, rawCodec, { segmentBytes: 10_000, retentionBytes: null, retentionMs: null });
  for (let i = 0; i < 4; i++) {
    w.append([rec(i)]);
    sizes.push(statSync(logPath(dir, listSegments(dir)[0]!)).size);
  }
  w.close();
  // later segments, as the writer makes when it rolls (past segmentBytes every append does)
  const rolling = TopicWriter.open(dir, rawCodec, { segmentBytes: 1, retentionBytes: null, retentionMs: null });
  rolling.append([rec(4)]);
  rolling.append([rec(5)]);
  rolling.close();
  expect(listSegments(dir).length).toBeGreaterThanOrEqual(2);
  return { first: logPath(dir, listSegments(dir)[0]!), lastFrameBytes: sizes[3]! - sizes[2]! };
}

describe('log > local > cursor and a frame being written', () => {
  it('reads the frame again when the writer finished it and rolled meanwhile, instead of calling it corrupt', () => {
    const { first, lastFrameBytes } = twoSegments();
    const cursor = new TopicCursor(dir, rawCodec, 0);
    const one = cursor.read(1, 1 << 20, text, (s) => s.length);
    cursor.commit(one.nextOffset);
    // the last frame of the first segment as a reader may see it mid-write
    const whole = readFileSync(first);
    const cut = whole.length - Math.floor(lastFrameBytes / 2);
    truncateSync(first, cut);
    hooks.beforeList = () => appendFileSync(first, whole.subarray(cut));
    const rest = cursor.read(100, 1 << 20, text, (s) => s.length);
    expect(rest.messages.map((m) => m.offset)).toEqual([1, 2, 3, 4, 5]);
    expect(rest.messages[2]!.value).toBe(rec(3).value.toString());
  });

  it('still reports a closed segment whose last frame stays torn', () => {
    const { first, lastFrameBytes } = twoSegments();
    truncateSync(first, statSync(first).size - Math.floor(lastFrameBytes / 2));
    const cursor = new TopicCursor(dir, rawCodec, 0);
    let err: unknown;
    try { cursor.read(100, 1 << 20, text, (s) => s.length); } catch (e) { err = e; }
    expect(isSluiceError(err, 'ERR_LOG_CORRUPT')).toBe(true);
  });
});
