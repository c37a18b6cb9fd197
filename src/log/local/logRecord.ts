// A record as readers see it, and the walk over the records of one frame.
import { SluiceError } from '../../errors.js';
import { MAX_STR_BYTES } from '../codec/bytes.js';
import type { ValueCodec } from '../codec/valueCodec.js';
import { FRAME_HEADER_BYTES, type FrameSummary } from './frame.js';

export interface LogRecord<V> {
  offset: number;
  timeMs: number;
  key: string | null;
  value: V;
}

/** Return false to stop. */
export type RecordVisitFn<V> = (record: LogRecord<V>) => boolean | void;

export interface RecordWindow {
  fromOffset: number;
  fromTimeMs: number;
  /** Records after this time are skipped (not a stop: times need not be monotonic). */
  untilTimeMs: number;
  /**
   * Visit one reused record (and the codec's reused view value, when it has one), valid only
   * during the visit; the key is decoded only when read. For folds that copy what they keep.
   */
  transient?: boolean;
}

/** The reused record of a transient walk: the key stays bytes until someone reads it. */
class TransientRecord<V> implements LogRecord<V> {
  offset = 0;
  timeMs = 0;
  value!: V;
  buf: Buffer = Buffer.alloc(0);
  keyAt = 0;
  keyBytes = 0;
  get key(): string | null { return this.keyBytes === 0 ? null : this.buf.toString('utf8', this.keyAt, this.keyAt + this.keyBytes); }
}

/**
 * Decodes every record of the frame (the compact codec's string table needs them all, in order)
 * and visits those inside the window. Returns false if the visitor asked to stop.
 */
export function visitFrameRecords<V>(
  buf: Buffer, at: number, frame: FrameSummary, codecId: number, codec: ValueCodec<V>,
  window: RecordWindow, visit: RecordVisitFn<V>,
): boolean {
  if (codecId !== codec.id) {
    throw new SluiceError('ERR_LOG_CORRUPT', `frame at ${frame.position}: codec ${codecId}, this topic reads codec ${codec.id} (${codec.name})`);
  }
  const transient = window.transient === true ? new TransientRecord<V>() : null;
  const decode = transient !== null && codec.viewDecoder ? codec.viewDecoder() : codec.decoder();
  if (transient !== null) transient.buf = buf;
  let p = at + FRAME_HEADER_BYTES;
  const frameEnd = at + frame.bytes;
  for (let i = 0; i < frame.count; i++) {
    const recordBytes = buf.readUInt32LE(p);
    const recordEnd = p + 4 + recordBytes;
    if (recordEnd > frameEnd) throw new SluiceError('ERR_LOG_CORRUPT', `frame at ${frame.position}: record ${i} overruns the frame`);
    const timeMs = buf.readDoubleLE(p + 4);
    const keyBytes = (buf[p + 12]! | (buf[p + 13]! << 8)) & MAX_STR_BYTES;
    const valueAt = p + 14 + keyBytes;
    const value = decode(buf, valueAt, recordEnd);
    const offset = frame.baseOffset + i;
    if (offset >= window.fromOffset && timeMs >= window.fromTimeMs && timeMs <= window.untilTimeMs) {
      let record: LogRecord<V>;
      if (transient !== null) {
        transient.offset = offset; transient.timeMs = timeMs; transient.value = value;
        transient.keyAt = p + 14; transient.keyBytes = keyBytes;
        record = transient;
      } else {
        record = { offset, timeMs, key: keyBytes === 0 ? null : buf.toString('utf8', p + 14, valueAt), value };
      }
      if (visit(record) === false) return false;
    }
    p = recordEnd;
  }
  return true;
}
