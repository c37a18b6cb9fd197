// Kafka's record-level integers: zig-zag varints (protobuf style, as kafkajs's Encoder writes
// them), written straight into a Buffer without the per-value arrays and Buffers kafkajs makes.

/** Bytes of the zig-zag varint of a signed 32-bit `n`. */
export function varintSize(n: number): number {
  let z = ((n << 1) ^ (n >> 31)) >>> 0;
  let bytes = 1;
  while (z >= 0x80) { z >>>= 7; bytes++; }
  return bytes;
}

/** Writes the zig-zag varint of `n` at `at`; returns the position after it. */
export function writeVarint(out: Uint8Array, at: number, n: number): number {
  let z = ((n << 1) ^ (n >> 31)) >>> 0;
  while (z >= 0x80) {
    out[at++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  out[at++] = z;
  return at;
}

/**
 * Bytes of one record (length prefix included) with offsetDelta `i`, a key of `k` bytes (-1:
 * null) and a value of `v` bytes (-1: null), timestampDelta 0 and no headers.
 */
export function recordSize(i: number, k: number, v: number): number {
  const body = 3 + varintSize(i) + varintSize(k) + (k > 0 ? k : 0) + varintSize(v) + (v > 0 ? v : 0);
  return varintSize(body) + body;
}
