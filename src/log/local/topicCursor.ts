// A reader that remembers where it is: the forwarder's way through a topic. TopicReader.scan
// starts over from the directory listing and the sparse index on every call and reads 8 MiB
// chunks, which the forwarder paid once per Kafka batch (a pass for every ~1000 flows); the cursor
// resolves its position once and then reads on from the frame it stopped in, a batch at a time.
import { SluiceError } from '../../errors.js';
import type { ValueCodec } from '../codec/valueCodec.js';
import { FRAME_TARGET_BYTES } from './frame.js';
import { scanFrames, type ChunkBuffer } from './frameScanner.js';
import { visitFrameRecords } from './logRecord.js';
import { listSegments, loadIndex, logPath, positionForOffset } from './segmentFiles.js';

export interface CursorMessage<M> { offset: number; key: string | null; value: M }

export interface CursorBatch<M> {
  messages: CursorMessage<M>[];
  /** Bytes of the messages' values, as `sizeOf` counted them. */
  bytes: number;
  /** The offset after the last record returned: where the next batch starts. */
  nextOffset: number;
}

export class TopicCursor<V> {
  private base = -1;
  /** File position of the frame holding `offset`, in segment `base`. */
  private position = 0;
  /** Where the last read() ended: commit() of its nextOffset moves there. */
  private pending: { base: number; position: number; offset: number } | null = null;
  /**
   * The read buffer, reused from one read() to the next: a fresh multi-megabyte buffer per
   * batch was most of the forwarder's garbage collection (V8 counts the external memory).
   */
  private readonly chunk: ChunkBuffer = { buf: Buffer.alloc(0) };

  constructor(readonly dir: string, private readonly codec: ValueCodec<V>, private offset: number) {}

  get nextOffset(): number { return this.offset; }

  /** Moves to `offset` (after records were lost to retention, say); the next read resolves it. */
  seek(offset: number): void {
    this.offset = offset;
    this.base = -1;
    this.pending = null;
  }

  /**
   * Up to `maxRecords` records from the cursor on, each turned into a message by `encode`,
   * stopping before the one that would take the total of `sizeOf` past `maxBytes` (at least one
   * is returned when there is one). Nothing is consumed until commit(); read() again returns the
   * same records. Values that are views into the file's bytes (raw codec) stay valid until the
   * next read(): use or copy them before.
   */
  read<M>(maxRecords: number, maxBytes: number, encode: (value: V) => M, sizeOf: (message: M) => number): CursorBatch<M> {
    const records: CursorMessage<M>[] = [];
    let bytes = 0;
    let nextOffset = this.offset;
    const saved = { base: this.base, position: this.position };
    let rescanned = false;
    for (let hops = 0; hops < 1000 && records.length < maxRecords; hops++) {
      if (this.base < 0 && !this.resolve()) break;
      const path = logPath(this.dir, this.base);
      let full = false;
      let stopAt = this.position;
      const window = { fromOffset: nextOffset, fromTimeMs: -Infinity, untilTimeMs: Infinity };
      const result = scanFrames(path, this.position, (frame, codecId, buf, at) => {
        stopAt = frame.position;
        if (frame.baseOffset + frame.count <= nextOffset) { stopAt = frame.position + frame.bytes; return true; }
        const more = visitFrameRecords(buf, at, frame, codecId, this.codec, window, (r) => {
          if (records.length >= maxRecords) { full = true; return false; }
          const value = encode(r.value);
          const size = sizeOf(value);
          if (records.length > 0 && bytes + size > maxBytes) { full = true; return false; }
          bytes += size;
          records.push({ offset: r.offset, key: r.key, value });
          nextOffset = r.offset + 1;
          window.fromOffset = nextOffset;
        });
        if (!more) return false;
        stopAt = frame.position + frame.bytes;
        return true;
        // Only the first segment's scan may reuse the buffer: a second scan in the same read
        // would overwrite the first one's values.
      }, undefined, { reuse: hops === 0 ? this.chunk : undefined, keepVisited: true, chunkBytes: Math.min(maxBytes + FRAME_TARGET_BYTES + (64 << 10), 8 << 20) });
      if (result.stop?.reason === 'corrupt') {
        throw new SluiceError('ERR_LOG_CORRUPT', `read ${path} at ${result.stop.position}: ${result.stop.detail}`, { details: { path, position: result.stop.position } });
      }
      this.position = stopAt;
      if (full || records.length >= maxRecords) break;
      // The end of this segment: go on to the next one if the writer has rolled, else wait.
      const next = listSegments(this.dir).find((b) => b > this.base);
      if (next === undefined) break;
      // A closed segment ends on a whole frame (only the active one can have a torn tail, which
      // the writer cuts at open); skipping its partial frame would drop records unnoticed.
      if (result.stop !== null) {
        // A reader can see part of a write still in progress: the frame may have been whole by
        // the time the writer rolled to the next segment. Read on from it once more; only a tail
        // still partial then is a torn frame (without this the forwarder reported corruption,
        // reconnected and paused for a second when its read met the writer's last frame).
        if (!rescanned) {
          rescanned = true;
          continue;
        }
        throw new SluiceError('ERR_LOG_CORRUPT', `read ${path} at ${result.stop.position}: ${result.stop.detail}`, { details: { path, position: result.stop.position } });
      }
      rescanned = false;
      this.base = next;
      this.position = 0;
    }
    this.pending = { base: this.base, position: this.position, offset: nextOffset };
    this.base = saved.base;
    this.position = saved.position;
    return { messages: records, bytes, nextOffset };
  }

  /** Marks everything before `offset` as done (what read() returned and Kafka took). */
  commit(offset: number): void {
    if (this.pending !== null && this.pending.offset === offset) {
      this.base = this.pending.base;
      this.position = this.pending.position;
      this.offset = offset;
    } else {
      this.seek(offset);
    }
    this.pending = null;
  }

  private resolve(): boolean {
    const bases = listSegments(this.dir);
    let base: number | undefined;
    for (const b of bases) if (b <= this.offset) base = b;
    base ??= bases[0];
    if (base === undefined) return false;
    this.base = base;
    this.position = this.offset > base ? positionForOffset(loadIndex(this.dir, base), this.offset - base) : 0;
    return true;
  }
}
