// The unit written to a segment file: a batch of records under one length and one CRC32, like a
// Kafka record batch. One append call writes one or more frames with one write(2); a torn write
// therefore tears at most the frames of the last call, which recovery cuts off.
//
// Frame (little-endian):
//   0  u32 frameBytes   whole frame, header included
//   4  u32 crc32        of bytes [8, frameBytes)
//   8  u8  magic 0x53   ('S')
//   9  u8  codecId      see codec/valueCodec.ts
//  10  u16 count
//  12  u32 reserved     0
//  16  f64 baseOffset   offset of the first record
//  24  f64 maxTimeMs    largest record time in the frame
//  32  records: u32 recordBytes (after this field), f64 timeMs, str key (codec/bytes.ts; 0 = none), value
import { ByteWriter } from '../codec/bytes.js';
import type { ValueCodec } from '../codec/valueCodec.js';
import { crc32 } from './crc32.js';

export const FRAME_HEADER_BYTES = 32;
export const FRAME_MAGIC = 0x53;
export const MAX_RECORDS_PER_FRAME = 0xffff;
/** A frame is closed once it passes this size, so one huge batch still reads in modest pieces. */
export const FRAME_TARGET_BYTES = 1 << 20;

export interface AppendRecord<V> {
  timeMs: number;
  /** The Kafka key (an endpoint id), or null. */
  key: string | null;
  value: V;
}

export interface FrameSummary {
  position: number;
  bytes: number;
  baseOffset: number;
  count: number;
  maxTimeMs: number;
}

/**
 * Records whose values are written by the caller straight into the frame buffer (raw bytes, the
 * flows topic's Hubble lines), with no value object in between: `write(i, out)` appends record
 * i's value to `out`. Called in record order, for each record timeMs(i), key(i), then write(i).
 */
export interface RawRecords {
  count: number;
  timeMs(i: number): number;
  key(i: number): string | null;
  write(i: number, out: ByteWriter): void;
}

/**
 * Encodes `records` as consecutive frames into `out` (appending). Returns one summary per frame,
 * positions relative to where `out` started.
 */
export function encodeFrames<V>(records: readonly AppendRecord<V>[], baseOffset: number, codec: ValueCodec<V>, out: ByteWriter): FrameSummary[] {
  let encode = codec.encoder();
  return writeFrames({
    count: records.length,
    timeMs: (i) => records[i]!.timeMs,
    key: (i) => records[i]!.key,
    write: (i, o) => encode(records[i]!.value, o),
  }, baseOffset, codec.id, out, () => { encode = codec.encoder(); });
}

/** encodeFrames for values the caller writes itself (RawRecords), under codec `codecId`. */
export function encodeRawFrames(records: RawRecords, baseOffset: number, codecId: number, out: ByteWriter): FrameSummary[] {
  return writeFrames(records, baseOffset, codecId, out, () => undefined);
}

/** The frame loop of both: `newFrame` runs before each frame (codecs keep per-frame state). */
function writeFrames(records: RawRecords, baseOffset: number, codecId: number, out: ByteWriter, newFrame: () => void): FrameSummary[] {
  const frames: FrameSummary[] = [];
  const origin = out.pos;
  let i = 0;
  while (i < records.count) {
    const start = out.pos;
    out.ensure(FRAME_HEADER_BYTES);
    out.pos += FRAME_HEADER_BYTES;
    newFrame();
    let maxTimeMs = -Infinity;
    let count = 0;
    while (i < records.count && count < MAX_RECORDS_PER_FRAME && out.pos - start < FRAME_TARGET_BYTES) {
      const timeMs = records.timeMs(i);
      const key = records.key(i);
      const lenAt = out.pos;
      out.u32(0);
      out.f64(timeMs);
      if (key === null) out.u16(0);
      else out.str(key);
      records.write(i++, out);
      out.buf.writeUInt32LE(out.pos - lenAt - 4, lenAt);
      if (timeMs > maxTimeMs) maxTimeMs = timeMs;
      count++;
    }
    const b = out.buf;
    const bytes = out.pos - start;
    b.writeUInt32LE(bytes, start);
    b[start + 8] = FRAME_MAGIC;
    b[start + 9] = codecId;
    b.writeUInt16LE(count, start + 10);
    b.writeUInt32LE(0, start + 12);
    b.writeDoubleLE(baseOffset, start + 16);
    b.writeDoubleLE(maxTimeMs, start + 24);
    b.writeUInt32LE(crc32(b.subarray(start + 8, start + bytes)), start + 4);
    frames.push({ position: start - origin, bytes, baseOffset, count, maxTimeMs });
    baseOffset += count;
  }
  return frames;
}

export type FrameCheck =
  | { ok: true; frame: FrameSummary; codecId: number }
  | { ok: false; reason: 'incomplete' | 'corrupt'; detail: string };

/** Checks the frame at `at` of `buf` (which holds file bytes from `filePosition`). */
export function checkFrame(buf: Buffer, at: number, end: number, filePosition: number): FrameCheck {
  if (end - at < FRAME_HEADER_BYTES) return { ok: false, reason: 'incomplete', detail: `${end - at} header bytes` };
  const bytes = buf.readUInt32LE(at);
  if (bytes < FRAME_HEADER_BYTES || buf[at + 8] !== FRAME_MAGIC) {
    return { ok: false, reason: 'corrupt', detail: `bad frame header (length ${bytes}, magic ${buf[at + 8]})` };
  }
  if (end - at < bytes) return { ok: false, reason: 'incomplete', detail: `${end - at} of ${bytes} bytes` };
  const stored = buf.readUInt32LE(at + 4);
  const actual = crc32(buf.subarray(at + 8, at + bytes));
  if (stored !== actual) return { ok: false, reason: 'corrupt', detail: `crc32 ${actual.toString(16)} != stored ${stored.toString(16)}` };
  return {
    ok: true,
    codecId: buf[at + 9]!,
    frame: {
      position: filePosition,
      bytes,
      count: buf.readUInt16LE(at + 10),
      baseOffset: buf.readDoubleLE(at + 16),
      maxTimeMs: buf.readDoubleLE(at + 24),
    },
  };
}
