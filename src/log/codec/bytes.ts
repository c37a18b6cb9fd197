// A growable byte buffer and a cursor over one, little-endian throughout. Strings are written
// with a u16 byte length in front (fields longer than 65535 bytes go through the JSON fallback of
// the codecs, never through str()).
import { SluiceError } from '../../errors.js';

export const ASCII_BIT = 0x8000;
export const MAX_STR_BYTES = 0x7fff;

interface FastSlices { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string }

export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void { this.ensure(1); this.buf[this.pos++] = v; }
  u16(v: number): void { this.ensure(2); this.buf.writeUInt16LE(v, this.pos); this.pos += 2; }
  u32(v: number): void { this.ensure(4); this.buf.writeUInt32LE(v, this.pos); this.pos += 4; }
  f64(v: number): void { this.ensure(8); this.buf.writeDoubleLE(v, this.pos); this.pos += 8; }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /**
   * u16 header + UTF-8 bytes. The header's top bit says "all ASCII" (byte count equals UTF-16
   * length), which lets the reader build a one-byte string without UTF-8 decoding: ids and times,
   * the most common strings, are always ASCII. Hence at most 32767 bytes.
   */
  str(s: string): void {
    // A UTF-8 encoding is at most 3 bytes per UTF-16 unit; write first, then fill the header in.
    this.ensure(2 + s.length * 3);
    const n = this.buf.write(s, this.pos + 2, 'utf8');
    if (n > MAX_STR_BYTES) throw new SluiceError('ERR_LOG_WRITE', `string field of ${n} bytes exceeds ${MAX_STR_BYTES}`);
    this.buf.writeUInt16LE(n === s.length ? n | ASCII_BIT : n, this.pos);
    this.pos += 2 + n;
  }

  /** u32 length + UTF-8 bytes, for documents. */
  longStr(s: string): void {
    this.ensure(4 + s.length * 3);
    const n = this.buf.write(s, this.pos + 4, 'utf8');
    this.buf.writeUInt32LE(n, this.pos);
    this.pos += 4 + n;
  }

  /** UTF-8 bytes with no length: for a value that fills the rest of its record. */
  utf8(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  reset(): void { this.pos = 0; }
  view(): Buffer { return this.buf.subarray(0, this.pos); }
}

/** The str() field that starts at `at` of `buf` (the u16 header, then its bytes). */
export function strFieldAt(buf: Buffer, at: number): string {
  const header = buf[at]! | (buf[at + 1]! << 8);
  const from = at + 2;
  // The Buffer prototype's latin1Slice/utf8Slice skip toString()'s argument handling, which
  // costs more than the copy for strings this short.
  const b = buf as unknown as FastSlices;
  return header & ASCII_BIT ? b.latin1Slice(from, from + (header & MAX_STR_BYTES)) : b.utf8Slice(from, from + (header & MAX_STR_BYTES));
}

export class ByteReader {
  constructor(public buf: Buffer, public pos: number, public end: number) {}

  u8(): number { return this.buf[this.pos++]!; }
  u16(): number { const v = this.buf.readUInt16LE(this.pos); this.pos += 2; return v; }
  u32(): number { const v = this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  f64(): number { const v = this.buf.readDoubleLE(this.pos); this.pos += 8; return v; }

  str(): string {
    const at = this.pos;
    this.pos = at + 2 + ((this.buf[at]! | (this.buf[at + 1]! << 8)) & MAX_STR_BYTES);
    return strFieldAt(this.buf, at);
  }

  /** Steps over a str() field; returns where it starts, for strAt() later. */
  skipStr(): number {
    const at = this.pos;
    this.pos = at + 2 + ((this.buf[at]! | (this.buf[at + 1]! << 8)) & MAX_STR_BYTES);
    return at;
  }

  /** The str() field that starts at `at` (from skipStr), without moving the cursor. */
  strAt(at: number): string {
    return strFieldAt(this.buf, at);
  }

  longStr(): string {
    const n = this.buf.readUInt32LE(this.pos);
    const s = (this.buf as unknown as FastSlices).utf8Slice(this.pos + 4, this.pos + 4 + n);
    this.pos += 4 + n;
    return s;
  }
}
