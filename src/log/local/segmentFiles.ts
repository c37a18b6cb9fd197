// Where a topic's segments live and what their sparse indexes hold. A segment is named after the
// offset of its first record (20 digits, so names sort as numbers):
//   00000000000000000000.log   frames (frame.ts)
//   00000000000000000000.oix   offset index: u32 relative offset, u32 position
//   00000000000000000000.tix   time index:   f64 maxTimeMs before, u32 relative offset, u32 position
// Index entries are sparse (one per indexIntervalBytes of log) and always point at a frame start.
// A time entry promises that every record before its position is no later than its time, which
// holds even when record times are not monotonic (flows from several CPUs).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const OFFSET_ENTRY_BYTES = 8;
export const TIME_ENTRY_BYTES = 16;

export const segmentName = (baseOffset: number) => String(baseOffset).padStart(20, '0');
export const logPath = (dir: string, base: number) => join(dir, `${segmentName(base)}.log`);
export const offsetIndexPath = (dir: string, base: number) => join(dir, `${segmentName(base)}.oix`);
export const timeIndexPath = (dir: string, base: number) => join(dir, `${segmentName(base)}.tix`);

/** Base offsets of the segments in `dir`, oldest first. */
export function listSegments(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d{20}\.log$/.test(f))
    .map((f) => Number(f.slice(0, 20)))
    .sort((a, b) => a - b);
}

export interface SegmentIndex {
  relOffsets: number[];
  positions: number[];
  /** From the time index: maxTimeMs before positions tPositions[i]. */
  times: number[];
  tRelOffsets: number[];
  tPositions: number[];
}

export const emptyIndex = (): SegmentIndex => ({ relOffsets: [], positions: [], times: [], tRelOffsets: [], tPositions: [] });

/** Loads both index files; a torn last entry (crash mid-write) is ignored. */
export function loadIndex(dir: string, base: number): SegmentIndex {
  const index = emptyIndex();
  const oix = offsetIndexPath(dir, base);
  if (existsSync(oix)) {
    const b = readFileSync(oix);
    for (let at = 0; at + OFFSET_ENTRY_BYTES <= b.length; at += OFFSET_ENTRY_BYTES) {
      index.relOffsets.push(b.readUInt32LE(at));
      index.positions.push(b.readUInt32LE(at + 4));
    }
  }
  const tix = timeIndexPath(dir, base);
  if (existsSync(tix)) {
    const b = readFileSync(tix);
    for (let at = 0; at + TIME_ENTRY_BYTES <= b.length; at += TIME_ENTRY_BYTES) {
      index.times.push(b.readDoubleLE(at));
      index.tRelOffsets.push(b.readUInt32LE(at + 8));
      index.tPositions.push(b.readUInt32LE(at + 12));
    }
  }
  return index;
}

/** Largest i with keys[i] <= target (keys ascending), or -1. */
function floorIndex(keys: number[], target: number): number {
  let lo = 0;
  let hi = keys.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! <= target) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

/** File position of a frame at or before the record `relOffset`. */
export function positionForOffset(index: SegmentIndex, relOffset: number): number {
  const i = floorIndex(index.relOffsets, relOffset);
  return i < 0 ? 0 : index.positions[i]!;
}

/**
 * File position from which a scan finds every record with time >= timeMs: the last entry whose
 * promise ("nothing before me is later than T") has T < timeMs.
 */
export function positionForTime(index: SegmentIndex, timeMs: number): number {
  // times are non-decreasing (each is a running maximum), so floor on (timeMs - tiny) works.
  let lo = 0;
  let hi = index.times.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (index.times[mid]! < timeMs) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found < 0 ? 0 : index.tPositions[found]!;
}
