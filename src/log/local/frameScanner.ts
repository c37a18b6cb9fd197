// Sequential reading of a segment file frame by frame, in large chunks: the fast path behind
// replay and forwarding. Each chunk is a fresh buffer, so values that point into it (raw codec)
// stay valid after the scan moves on.
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

export function scanFrames(path: string, fromPosition: number, visit: FrameVisitFn, toPosition?: number): ScanFramesResult {
  const fd = openSync(path, 'r');
  try {
    const fileEnd = toPosition ?? fstatSync(fd).size;
    let filePos = fromPosition;
    let buf = Buffer.alloc(0);
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
      const size = Math.max(CHUNK_BYTES, need + 64, tail + 64);
      const next = Buffer.allocUnsafe(Math.min(size, tail + (fileEnd - filePos)));
      buf.copy(next, 0, at, end);
      const n = readSync(fd, next, tail, next.length - tail, filePos);
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
