// The single writer of one topic's local log: recovery at open, batch appends, segment roll, the
// sparse indexes, the fsync policy and retention. Readers (topicReader.ts) work from the files
// alone, in this process or another.
import {
  closeSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, rmSync, statSync, writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { SluiceError } from '../../errors.js';
import { ByteWriter } from '../codec/bytes.js';
import { rawCodec } from '../codec/rawCodec.js';
import type { ValueCodec } from '../codec/valueCodec.js';
import { encodeFrames, encodeRawFrames, type AppendRecord, type FrameSummary, type RawRecords } from './frame.js';
import { scanFrames } from './frameScanner.js';
import { defaultTopicLogOptions, type TopicLogOptions } from './options.js';
import type { RecoveryReport } from './recoveryReport.js';
import {
  listSegments, loadIndex, logPath, offsetIndexPath, OFFSET_ENTRY_BYTES, TIME_ENTRY_BYTES, timeIndexPath,
} from './segmentFiles.js';

interface ClosedSegment { base: number; bytes: number; maxTimeMs: number }

export interface RetentionResult { deletedSegments: number; deletedRecords: number; deletedBytes: number }

export interface TopicWriterStats {
  appendedRecords: number;
  /** Frame bytes written, headers included. */
  appendedBytes: number;
  fsyncs: number;
  /** Timer syncs that failed (retried at the next tick; an explicit sync() throws). */
  fsyncFailures: number;
  lastFsyncError: string | null;
  retention: RetentionResult;
}

export class TopicWriter<V> {
  readonly dir: string;
  readonly options: TopicLogOptions;
  /** Non-null when opening cut a torn or corrupt tail off the last segment. */
  readonly recovery: RecoveryReport | null;
  readonly stats: TopicWriterStats = { appendedRecords: 0, appendedBytes: 0, fsyncs: 0, fsyncFailures: 0, lastFsyncError: null, retention: { deletedSegments: 0, deletedRecords: 0, deletedBytes: 0 } };

  private readonly codec: ValueCodec<V>;
  private closed: ClosedSegment[] = [];
  private base = 0;
  private fd = -1;
  private oixFd = -1;
  private tixFd = -1;
  private size = 0;
  /** Bytes in the two index files of the active segment (written at explicit positions). */
  private oixSize = 0;
  private tixSize = 0;
  private maxTimeMs = -Infinity;
  private bytesSinceIndex = 0;
  private next = 0;
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private backgroundSync = false;
  /** Closed segments whose sync runs in the background, or failed there (retried each tick). */
  private readonly closedSyncing = new Set<number>();
  private readonly closedUnsynced = new Set<number>();
  private readonly out = new ByteWriter(1 << 20);
  private readonly entry = Buffer.alloc(TIME_ENTRY_BYTES);

  private constructor(dir: string, codec: ValueCodec<V>, options: TopicLogOptions) {
    this.dir = dir;
    this.codec = codec;
    this.options = options;
    mkdirSync(dir, { recursive: true });
    const bases = listSegments(dir);
    for (const base of bases.slice(0, -1)) this.closed.push(this.describeClosed(base));
    this.base = bases.at(-1) ?? 0;
    this.recovery = this.openActive();
    if (options.fsync.mode === 'interval') {
      this.timer = setInterval(() => this.syncInBackground(), options.fsync.intervalMs);
      this.timer.unref();
    }
    this.applyRetention();
  }

  static open<V>(dir: string, codec: ValueCodec<V>, options: Partial<TopicLogOptions> = {}): TopicWriter<V> {
    return new TopicWriter(dir, codec, { ...defaultTopicLogOptions, ...options });
  }

  /** The offset the next record will get. */
  get nextOffset(): number { return this.next; }
  /** The oldest offset still on disk. */
  get startOffset(): number { return this.closed[0]?.base ?? this.base; }

  /** Appends records as one write (one or more frames). Returns the first record's offset. */
  append(records: readonly AppendRecord<V>[]): number {
    return this.appendFrames(records.length, (first) => encodeFrames(records, first, this.codec, this.out));
  }

  /**
   * append() for a raw-bytes topic whose values the caller writes straight into the write
   * buffer (see RawRecords): one copy of each value fewer, and no value object per record.
   */
  appendRaw(records: RawRecords): number {
    if (this.codec.id !== rawCodec.id) throw new SluiceError('ERR_LOG_WRITE', `append raw records to ${this.dir}: the topic uses codec ${this.codec.name}`);
    return this.appendFrames(records.count, (first) => encodeRawFrames(records, first, rawCodec.id, this.out));
  }

  private appendFrames(count: number, encode: (first: number) => FrameSummary[]): number {
    if (this.fd < 0) throw new SluiceError('ERR_LOG_WRITE', `append to ${this.dir}: log is closed`);
    const first = this.next;
    if (count === 0) return first;
    if (this.size > 0 && this.size >= this.options.segmentBytes) this.roll();
    this.out.reset();
    const frames = encode(first);
    try {
      this.writeAll(this.fd, this.out.buf, this.out.pos);
    } catch (err) {
      // a full disk can take half a frame: cut it, so the log ends on a whole record and the next
      // append (once there is room) does not land behind torn bytes
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // the next open's recovery cuts it instead
      }
      throw err;
    }
    for (const f of frames) {
      if (this.bytesSinceIndex >= this.options.indexIntervalBytes) {
        // the index is sparse: an entry that cannot be written is skipped, the records stay findable
        if (this.tryWriteIndexEntry(f.baseOffset - this.base, this.size + f.position)) this.bytesSinceIndex = 0;
      }
      this.bytesSinceIndex += f.bytes;
      if (f.maxTimeMs > this.maxTimeMs) this.maxTimeMs = f.maxTimeMs;
    }
    this.size += this.out.pos;
    this.next += count;
    this.stats.appendedRecords += count;
    this.stats.appendedBytes += this.out.pos;
    this.dirty = true;
    if (this.options.fsync.mode === 'always') this.sync();
    return first;
  }

  /** Forces appended frames and index entries to disk. */
  sync(): void {
    try {
      // Closed segments the interval policy is still syncing in the background, or failed to.
      for (const base of [...this.closedSyncing, ...this.closedUnsynced]) {
        for (const path of segmentFiles(this.dir, base)) datasyncFileNow(path);
        this.closedUnsynced.delete(base);
      }
      if (!this.dirty || this.fd < 0) return;
      fdatasyncSync(this.fd);
      fdatasyncSync(this.oixFd);
      fdatasyncSync(this.tixFd);
    } catch (cause) {
      throw new SluiceError('ERR_LOG_WRITE', `fsync ${this.dir}: ${(cause as Error).message}`, { cause, retriable: true });
    }
    this.dirty = false;
    this.stats.fsyncs++;
  }

  /**
   * The interval policy's sync, on libuv's thread pool: an fdatasync of a second's appends takes
   * tens of milliseconds, which on the event loop stalled publishing (half a second per million
   * flows). It opens the segment's files itself, so a roll or close meanwhile cannot pull a
   * descriptor from under it. Appends while it runs mark the log dirty again for the next tick;
   * a failure leaves it dirty (or the closed segment listed), so the next tick tries again, and
   * an explicit sync() does it at once and throws if that fails too.
   */
  private syncInBackground(): void {
    for (const base of this.closedUnsynced) this.syncClosedInBackground(base);
    if (!this.dirty || this.fd < 0 || this.backgroundSync) return;
    this.dirty = false;
    this.backgroundSync = true;
    this.syncFiles(this.base).then(
      (ok) => { if (!ok) this.dirty = true; },
    ).finally(() => { this.backgroundSync = false; });
  }

  /** A segment just closed by a roll, synced like the timer's syncs (interval policy). */
  private syncClosedInBackground(base: number): void {
    this.closedUnsynced.delete(base);
    this.closedSyncing.add(base);
    void this.syncFiles(base).then((ok) => {
      this.closedSyncing.delete(base);
      if (!ok) this.closedUnsynced.add(base);
    });
  }

  private async syncFiles(base: number): Promise<boolean> {
    try {
      await Promise.all(segmentFiles(this.dir, base).map(datasyncFile));
      this.stats.fsyncs++;
      return true;
    } catch (cause) {
      this.stats.fsyncFailures++;
      this.stats.lastFsyncError = `fsync ${this.dir}: ${(cause as Error).message}`;
      return false;
    }
  }

  /**
   * Deletes whole closed segments past the age or size limit, oldest first; the active segment
   * always stays. Runs at open and after every roll; call it on a timer for age-only topics.
   */
  applyRetention(nowMs: number = this.options.nowMs()): RetentionResult {
    const result: RetentionResult = { deletedSegments: 0, deletedRecords: 0, deletedBytes: 0 };
    const { retentionBytes, retentionMs } = this.options;
    let total = this.size + this.closed.reduce((s, c) => s + c.bytes, 0);
    while (this.closed.length > 0) {
      const oldest = this.closed[0]!;
      const tooOld = retentionMs !== null && oldest.maxTimeMs < nowMs - retentionMs;
      const tooBig = retentionBytes !== null && total > retentionBytes;
      if (!tooOld && !tooBig) break;
      const nextBase = this.closed[1]?.base ?? this.base;
      for (const p of [logPath, offsetIndexPath, timeIndexPath]) rmSync(p(this.dir, oldest.base), { force: true });
      this.closed.shift();
      total -= oldest.bytes;
      result.deletedSegments++;
      result.deletedRecords += nextBase - oldest.base;
      result.deletedBytes += oldest.bytes;
    }
    this.stats.retention.deletedSegments += result.deletedSegments;
    this.stats.retention.deletedRecords += result.deletedRecords;
    this.stats.retention.deletedBytes += result.deletedBytes;
    return result;
  }

  close(): void {
    if (this.fd < 0) return;
    if (this.timer) clearInterval(this.timer);
    if (this.options.fsync.mode !== 'never') this.sync();
    for (const fd of [this.fd, this.oixFd, this.tixFd]) closeSync(fd);
    this.fd = -1;
  }

  private describeClosed(base: number): ClosedSegment {
    const bytes = statSync(logPath(this.dir, base)).size;
    const index = loadIndex(this.dir, base);
    // The last time entry, written when the segment was closed, holds the segment's newest time;
    // a segment closed by an older build or a crash falls back to the file's mtime.
    const maxTimeMs = index.times.at(-1) ?? statSync(logPath(this.dir, base)).mtimeMs;
    return { base, bytes, maxTimeMs };
  }

  /**
   * Opens the last segment for appending: scans it whole, cuts a torn or corrupt tail, and
   * rebuilds its indexes from the frames that remain (they may lag behind a crash).
   */
  private openActive(): RecoveryReport | null {
    const path = logPath(this.dir, this.base);
    this.fd = openSync(path, 'a+');
    const fileBytes = fstatSync(this.fd).size;
    this.oixFd = openSync(offsetIndexPath(this.dir, this.base), 'w');
    this.tixFd = openSync(timeIndexPath(this.dir, this.base), 'w');
    this.oixSize = 0;
    this.tixSize = 0;
    this.next = this.base;
    this.size = 0;
    this.bytesSinceIndex = 0;
    this.maxTimeMs = -Infinity;
    const scan = scanFrames(path, 0, (frame) => {
      if (this.bytesSinceIndex >= this.options.indexIntervalBytes) {
        this.writeIndexEntry(frame.baseOffset - this.base, frame.position);
        this.bytesSinceIndex = 0;
      }
      this.bytesSinceIndex += frame.bytes;
      if (frame.maxTimeMs > this.maxTimeMs) this.maxTimeMs = frame.maxTimeMs;
      this.next = frame.baseOffset + frame.count;
    });
    this.size = scan.endPosition;
    if (scan.endPosition >= fileBytes) return null;
    ftruncateSync(this.fd, scan.endPosition);
    fdatasyncSync(this.fd);
    return {
      topicDir: this.dir,
      segment: this.base,
      position: scan.endPosition,
      truncatedBytes: fileBytes - scan.endPosition,
      reason: scan.stop?.reason ?? 'incomplete',
      detail: scan.stop?.detail ?? 'trailing bytes',
    };
  }

  private roll(): void {
    // The closing entry records the segment's newest time for retention by age.
    this.writeIndexEntry(this.next - this.base, this.size);
    this.dirty = true;
    const interval = this.options.fsync.mode === 'interval';
    if (this.options.fsync.mode === 'always') this.sync();
    for (const fd of [this.fd, this.oixFd, this.tixFd]) closeSync(fd);
    this.closed.push({ base: this.base, bytes: this.size, maxTimeMs: this.maxTimeMs });
    // Interval policy: the closed segment reaches the disk as the timer's syncs do, off the
    // event loop (a whole segment's tail synced here stalled publishing).
    if (interval) this.syncClosedInBackground(this.base);
    this.base = this.next;
    this.openActive();
    this.applyRetention();
  }

  private writeIndexEntry(relOffset: number, position: number): void {
    const e = this.entry;
    e.writeUInt32LE(relOffset, 0);
    e.writeUInt32LE(position, 4);
    this.writeAllAt(this.oixFd, e, OFFSET_ENTRY_BYTES, this.oixSize);
    this.oixSize += OFFSET_ENTRY_BYTES;
    e.writeDoubleLE(this.maxTimeMs, 0);
    e.writeUInt32LE(relOffset, 8);
    e.writeUInt32LE(position, 12);
    this.writeAllAt(this.tixFd, e, TIME_ENTRY_BYTES, this.tixSize);
    this.tixSize += TIME_ENTRY_BYTES;
  }

  /** An index entry, or none: a partial entry is cut so both index files stay whole. */
  private tryWriteIndexEntry(relOffset: number, position: number): boolean {
    const [oix, tix] = [this.oixSize, this.tixSize];
    try {
      this.writeIndexEntry(relOffset, position);
      return true;
    } catch {
      this.oixSize = oix;
      this.tixSize = tix;
      try {
        ftruncateSync(this.oixFd, oix);
        ftruncateSync(this.tixFd, tix);
      } catch {
        // rebuilt from the log at the next open
      }
      return false;
    }
  }

  private writeAllAt(fd: number, buf: Buffer, length: number, position: number): void {
    let done = 0;
    try {
      while (done < length) done += writeSync(fd, buf, done, length - done, position + done);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new SluiceError('ERR_LOG_WRITE', `index of ${this.dir}: ${(cause as Error).message}`, { cause, retriable: code === 'ENOSPC' });
    }
  }

  private writeAll(fd: number, buf: Buffer, length: number): void {
    let done = 0;
    try {
      while (done < length) done += writeSync(fd, buf, done, length - done);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new SluiceError('ERR_LOG_WRITE', `append to ${this.dir}: ${(cause as Error).message}`, {
        cause, retriable: code === 'ENOSPC' || code === 'EAGAIN',
      });
    }
  }
}

const segmentFiles = (dir: string, base: number): string[] => [logPath, offsetIndexPath, timeIndexPath].map((p) => p(dir, base));

/** fdatasync of a file by path; a file retention deleted meanwhile needs none. */
async function datasyncFile(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw cause;
  }
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** datasyncFile, blocking. */
function datasyncFileNow(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw cause;
  }
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
