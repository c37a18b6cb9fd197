// Sequential reading of a segment file frame by frame, in large chunks: the fast path behind
// replay and forwarding. Each chunk is a fresh buffer, so values that point into it (raw codec)
// stay valid after the scan moves on; a caller that keeps nothing past a visit (a transient
// replay) passes a ChunkBuffer instead, and every chunk is read into the same memory. The
// forwarder's cursor keeps values until its next read: it reuses the buffer between scans only
// (keepVisited). Fresh 8 MiB
// buffers cost more than the read itself: new pages fault in and are zeroed by the kernel, and
// V8 counts the external memory toward its GC heuristics.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { checkFrame, type FrameSummary } from './frame.js';

const CHUNK_BYTES = 8 << 20;

export interface FrameStop { reason: 'incomplete' | 'corrupt'; position: number; detail: string }

export interface ScanFramesResult {
  /** Position after the last good frame. */
  endPosition: number;
  /** Why the scan stopped before the end of the file, or null. */
  stop: FrameStop | null;
}

/** Return false to stop early. */
export type FrameVisitFn = (frame: FrameSummary, codecId: number, buf: Buffer, at: number) => boolean | void;

/** One read buffer for a whole scan; it grows when a frame does not fit. */
export interface ChunkBuffer { buf: Buffer }

/**
 * Read buffers handed out one per chunk and taken back by their owner when it no longer needs
 * what it kept from them (replay: RecyclingChunkPool in replay/replay.ts); never the one being read into.
 */
export interface ChunkPool { take(minBytes: number): Buffer }

export interface ScanIo {
  /** Read every chunk into this buffer (values must not outlive their visit). */
  reuse?: ChunkBuffer;
  /**
   * With `reuse`: values stay valid until the next scan with the same ChunkBuffer, not just
   * their visit. The first chunk goes into the reused buffer; a chunk that would overwrite
   * frames already visited in this scan gets a fresh buffer instead.
   */
  keepVisited?: boolean;
  /** Bytes per read (default 8 MiB); a frame larger than this is read whole all the same. */
  chunkBytes?: number;
  /** Instead of `reuse`: every chunk in a buffer of this pool (values may point into it). */
  pool?: ChunkPool;
}

export function scanFrames(path: string, fromPosition: number, visit: FrameVisitFn, toPosition?: number, io: ScanIo = {}): ScanFramesResult {
  const reuse = io.reuse;
  const chunkBytes = io.chunkBytes ?? CHUNK_BYTES;
  const fd = openSync(path, 'r');
  try {
    const fileEnd = toPosition ?? fstatSync(fd).size;
    let filePos = fromPosition;
    let buf: Buffer = Buffer.alloc(0);
    let bufStart = filePos; // file position of buf[0]
    let at = 0;
    let end = 0;
    while (true) {
      const check = checkFrame(buf, at, end, bufStart + at);
      if (check.ok) {
        if (visit(check.frame, check.codecId, buf, at) === false) {
          return { endPosition: bufStart + at + check.frame.bytes, stop: null };
        }
        at += check.frame.bytes;
        continue;
      }
      if (check.reason === 'corrupt') return { endPosition: bufStart + at, stop: { reason: 'corrupt', position: bufStart + at, detail: check.detail } };
      // Incomplete in memory: read more, keeping the unread tail.
      if (filePos >= fileEnd) {
        const stop = end > at ? { reason: 'incomplete' as const, position: bufStart + at, detail: check.detail } : null;
        return { endPosition: bufStart + at, stop };
      }
      const tail = end - at;
      const need = tail >= 4 ? buf.readUInt32LE(at) : 0;
      const size = Math.max(chunkBytes, need + 64, tail + 64);
      let next: Buffer;
      if (io.pool !== undefined) {
        next = io.pool.take(size);
        buf.copy(next, 0, at, end);
      } else if (reuse !== undefined && !(io.keepVisited === true && buf === reuse.buf && at > 0)) {
        if (reuse.buf.length < need + 64 || reuse.buf.length < tail + 64) reuse.buf = Buffer.allocUnsafe(size);
        next = reuse.buf;
        if (next === buf) buf.copyWithin(0, at, end);
        else buf.copy(next, 0, at, end);
      } else {
        next = Buffer.allocUnsafe(Math.min(size, tail + (fileEnd - filePos)));
        buf.copy(next, 0, at, end);
      }
      const n = readSync(fd, next, tail, Math.min(next.length - tail, fileEnd - filePos), filePos);
      filePos += n;
      bufStart += at;
      buf = next;
      at = 0;
      end = tail + n;
      if (n === 0) return { endPosition: bufStart, stop: { reason: 'incomplete', position: bufStart, detail: 'short read' } };
    }
  } finally {
    closeSync(fd);
  }
}
