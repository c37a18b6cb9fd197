// Reading one topic's local log from its files: from an offset, from a time, the last N, and
// follow. Works beside a live writer (another process included): a frame the writer has not
// finished yet ends the scan quietly and is picked up by the next one. A checksum failure before
// the end of the log is an error (ERR_LOG_CORRUPT), never skipped.
import { watch, type FSWatcher } from 'node:fs';
import { SluiceError } from '../../errors.js';
import type { ValueCodec } from '../codec/valueCodec.js';
import { scanFrames, type ChunkPool } from './frameScanner.js';
import { visitFrameRecords, type LogRecord, type RecordVisitFn } from './logRecord.js';
import { listSegments, loadIndex, logPath, positionForOffset, positionForTime } from './segmentFiles.js';

export interface ScanOptions {
  /** First offset to visit (default: the oldest on disk). */
  fromOffset?: number;
  /** Skip records older than this (epoch ms). */
  fromTimeMs?: number;
  /** Skip records newer than this (epoch ms). */
  untilTimeMs?: number;
  /** Reuse one record and value object for every visit (see RecordWindow.transient). */
  transient?: boolean;
  /** Transient scans: read chunks into this pool's buffers rather than one reused buffer. */
  chunkPool?: ChunkPool;
  /** Bytes per read (default 8 MiB, see frameScanner.ts). */
  chunkBytes?: number;
}

export interface ScanResult {
  /** The offset after the last record scanned: where a follow-up scan continues. */
  nextOffset: number;
  visited: number;
}

export interface FollowOptions extends ScanOptions {
  signal: AbortSignal;
  /** Poll interval; a filesystem watch wakes the follower sooner when it can. */
  pollMs?: number;
}

export class TopicReader<V> {
  constructor(readonly dir: string, private readonly codec: ValueCodec<V>) {}

  /** Oldest offset on disk (0 for an empty topic). */
  startOffset(): number {
    return listSegments(this.dir)[0] ?? 0;
  }

  /** The offset the next appended record will get. */
  endOffset(): number {
    const bases = listSegments(this.dir);
    const base = bases.at(-1);
    if (base === undefined) return 0;
    const index = loadIndex(this.dir, base);
    let end = base;
    scanFrames(logPath(this.dir, base), index.positions.at(-1) ?? 0, (f) => { end = f.baseOffset + f.count; });
    return end;
  }

  /** Visits records in offset order until the end of the log or until `visit` returns false. */
  scan(options: ScanOptions, visit: RecordVisitFn<V>): ScanResult {
    const window = {
      fromOffset: options.fromOffset ?? 0,
      fromTimeMs: options.fromTimeMs ?? -Infinity,
      untilTimeMs: options.untilTimeMs ?? Infinity,
      transient: options.transient === true,
    };
    const bases = listSegments(this.dir);
    // A transient scan hands nothing out past a visit, so all segments share one read buffer.
    const chunk = window.transient && options.chunkPool === undefined ? { buf: Buffer.alloc(0) } : undefined;
    const io = {
      ...(options.chunkPool !== undefined ? { pool: options.chunkPool } : { reuse: chunk }),
      ...(options.chunkBytes !== undefined ? { chunkBytes: options.chunkBytes } : {}),
    };
    let nextOffset = Math.max(window.fromOffset, bases[0] ?? 0);
    let visited = 0;
    let stopped = false;
    const counting: RecordVisitFn<V> = (r) => {
      visited++;
      return visit(r);
    };
    for (let s = 0; s < bases.length && !stopped; s++) {
      const base = bases[s]!;
      const nextBase = bases[s + 1];
      if (nextBase !== undefined && nextBase <= window.fromOffset) continue;
      const index = loadIndex(this.dir, base);
      if (nextBase !== undefined && index.times.length > 0 && window.fromTimeMs > index.times.at(-1)!
        && index.tRelOffsets.at(-1)! === nextBase - base) {
        nextOffset = nextBase;
        continue; // the closing time entry says every record here is older than fromTimeMs
      }
      const position = Math.max(
        window.fromOffset > base ? positionForOffset(index, window.fromOffset - base) : 0,
        Number.isFinite(window.fromTimeMs) ? positionForTime(index, window.fromTimeMs) : 0,
      );
      const path = logPath(this.dir, base);
      const result = scanFrames(path, position, (frame, codecId, buf, at) => {
        if (frame.baseOffset + frame.count <= window.fromOffset) return true;
        const more = visitFrameRecords(buf, at, frame, codecId, this.codec, window, (r) => {
          nextOffset = r.offset + 1;
          return counting(r);
        });
        if (!more) { stopped = true; return false; }
        nextOffset = frame.baseOffset + frame.count;
        return true;
      }, undefined, io);
      const isLast = nextBase === undefined;
      if (result.stop && (result.stop.reason === 'corrupt' || !isLast)) {
        throw new SluiceError('ERR_LOG_CORRUPT', `read ${path} at ${result.stop.position}: ${result.stop.detail}`, {
          details: { path, position: result.stop.position },
        });
      }
    }
    return { nextOffset, visited };
  }

  /** Collects records (for small reads; use scan() for large ones). */
  read(options: ScanOptions & { limit?: number } = {}): LogRecord<V>[] {
    const out: LogRecord<V>[] = [];
    const limit = options.limit ?? Infinity;
    this.scan(options, (r) => { out.push(r); return out.length < limit; });
    return out;
  }

  /** The last `n` records (in offset order) of those matching `accept`. */
  last(n: number, accept: (r: LogRecord<V>) => boolean = () => true, options: ScanOptions = {}): LogRecord<V>[] {
    const ring: LogRecord<V>[] = [];
    this.scan(options, (r) => {
      if (!accept(r)) return;
      ring.push(r);
      if (ring.length > n) ring.shift();
    });
    return ring;
  }

  /**
   * Visits everything from the start point, then new records as they arrive, until the signal
   * aborts. Resolves with the offset after the last record visited.
   */
  async follow(options: FollowOptions, visit: RecordVisitFn<V>): Promise<number> {
    const pollMs = options.pollMs ?? 200;
    let scanOptions: ScanOptions = { ...options };
    let watcher: FSWatcher | null = null;
    let wake: (() => void) | null = null;
    try {
      watcher = watch(this.dir, () => wake?.());
    } catch {
      watcher = null; // no inotify (or the dir does not exist yet): polling alone
    }
    let next = options.fromOffset ?? 0;
    try {
      while (!options.signal.aborted) {
        let stop = false;
        const result = this.scan(scanOptions, (r) => {
          if (visit(r) === false) { stop = true; return false; }
        });
        next = result.nextOffset;
        if (stop) break;
        scanOptions = { ...scanOptions, fromOffset: next };
        // One wait, ended by whichever comes first (new data, the poll interval, the abort), that
        // takes its timer and its abort listener with it: a sleep left behind each time the
        // watcher won kept a timer and a listener alive for pollMs, and a busy log piled them up
        // (Node warned of a listener leak on the signal).
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            options.signal.removeEventListener('abort', done);
            wake = null;
            resolve();
          };
          const timer = setTimeout(done, pollMs);
          options.signal.addEventListener('abort', done);
          wake = done;
        });
      }
    } finally {
      watcher?.close();
    }
    return next;
  }
}
