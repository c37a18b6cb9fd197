// JSON written straight into a ByteWriter, byte for byte what JSON.stringify gives: the flow line
// renderers (hubble/flowJson.ts, hubble/dnsFlowJson.ts) and the dns topic's envelopes
// (dnsEnvelopeJson.ts) are built this way rather than as strings.
import type { ByteWriter } from './bytes.js';

const q = JSON.stringify;

/** Appends bytes to a ByteWriter (TypedArray set, except for a few bytes, where a loop is cheaper than the call). */
export function put(out: ByteWriter, bytes: Uint8Array): void {
  out.ensure(bytes.length);
  const buf = out.buf;
  let at = out.pos;
  if (bytes.length > 8) buf.set(bytes, at);
  else for (let i = 0; i < bytes.length; i++) buf[at + i] = bytes[i]!;
  out.pos = at + bytes.length;
}

/** A number as JSON.stringify writes it; non-negative integers (all the datapath gives) digit by digit. */
export function num(out: ByteWriter, n: number): void {
  if (!(n >= 0 && n <= 0x7fffffff && (n | 0) === n)) {
    out.utf8(q(n));
    return;
  }
  out.ensure(10);
  const buf = out.buf;
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  let at = out.pos + digits;
  out.pos = at;
  do {
    buf[--at] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
}

/** A JSON string: printable ASCII without quote or backslash byte by byte, anything else via JSON.stringify. */
export function str(out: ByteWriter, s: string): void {
  jsonString.open(out);
  jsonString.part(out, s);
  jsonString.close(out);
}

/**
 * A JSON string written in pieces: open(), then part() for each piece (escaped as JSON.stringify
 * escapes it), then close(). For a string assembled from several values, without assembling it.
 */
export const jsonString = {
  open(out: ByteWriter): void {
    out.u8(0x22);
  },
  part(out: ByteWriter, s: string): void {
    out.ensure(s.length);
    const buf = out.buf;
    const start = out.pos;
    let at = start;
    for (let i = 0; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      if (ch < 0x20 || ch > 0x7e || ch === 0x22 || ch === 0x5c) {
        // the escaped form without its quotes (a piece never splits a surrogate pair: it is a whole string)
        out.pos = start;
        const quoted = q(s);
        out.utf8(quoted.slice(1, -1));
        return;
      }
      buf[at++] = ch;
    }
    out.pos = at;
  },
  close(out: ByteWriter): void {
    out.u8(0x22);
  },
};
