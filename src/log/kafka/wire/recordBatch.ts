// One Kafka RecordBatch (magic 2, uncompressed, no headers, no per-record timestamps) written in
// a single pass into a caller's Buffer. kafkajs builds the same bytes with an Encoder object per
// record, a Buffer per varint and a copy per nesting level (record, batch body, batch, partition,
// topic, request), which was most of the forwarder's time per flow; here each key and value is
// copied once, into its final place, and the CRC-32C runs once over the finished batch body.
// The layout follows kafkajs's RecordBatch v0 and Record v0 exactly (the tests compare bytes).
import { recordSize, varintSize, writeVarint } from './varint.js';

/** A record as kafkajs takes it, reduced to what this encoder handles (see eligible()). */
export interface WireRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
}

export interface BatchMeta {
  producerId: bigint;
  producerEpoch: number;
  firstSequence: number;
  transactional: boolean;
  /** Both timestamps of the batch (kafkajs stamps records without one with Date.now()). */
  timestampMs: number;
}

/** Bytes of the batch header, from baseOffset to the record count inclusive. */
export const BATCH_HEADER_BYTES = 61;
const CRC_AT = 17; // baseOffset(8) length(4) partitionLeaderEpoch(4) magic(1)
const ATTRIBUTES_AT = 21;
const TRANSACTIONAL = 0x10;

/** Byte lengths of one record's key (-1: null) and value, computed once per send. */
export interface Lengths { key: Int32Array; value: Int32Array }

const byteLength = (v: Buffer | string | null | undefined): number =>
  v === null || v === undefined ? -1 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;

/** Fills `lengths` for `records` and returns the batch's total size in bytes. */
export function measureBatch(records: readonly WireRecord[], lengths: Lengths): number {
  let total = BATCH_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const k = byteLength(r.key);
    const v = byteLength(r.value);
    lengths.key[i] = k;
    lengths.value[i] = v;
    total += recordSize(i, k, v);
  }
  return total;
}

function writeBytes(out: Buffer, at: number, v: Buffer | string, length: number): number {
  if (typeof v === 'string') out.write(v, at, length, 'utf8');
  else out.set(v, at);
  return at + length;
}

/**
 * Writes the batch measured by measureBatch() (same records, same `lengths`) at `at`; returns
 * the end. The CRC is left to the caller (sealBatch), which may compute several in one call.
 */
export function writeBatch(out: Buffer, at: number, records: readonly WireRecord[], lengths: Lengths, meta: BatchMeta): number {
  const start = at;
  out.writeBigInt64BE(0n, at); // baseOffset: the broker assigns offsets
  // batchLength at +8 is filled in at the end
  out.writeInt32BE(0, at + 12); // partitionLeaderEpoch, as kafkajs sends it
  out[at + 16] = 2; // magic
  out.writeInt16BE(meta.transactional ? TRANSACTIONAL : 0, at + ATTRIBUTES_AT);
  out.writeInt32BE(records.length - 1, at + 23); // lastOffsetDelta
  out.writeBigInt64BE(BigInt(meta.timestampMs), at + 27); // firstTimestamp
  out.writeBigInt64BE(BigInt(meta.timestampMs), at + 35); // maxTimestamp
  out.writeBigInt64BE(meta.producerId, at + 43);
  out.writeInt16BE(meta.producerEpoch, at + 51);
  out.writeInt32BE(meta.firstSequence, at + 53);
  out.writeInt32BE(records.length, at + 57);
  let p = at + BATCH_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const k = lengths.key[i]!;
    const v = lengths.value[i]!;
    // attributes(1) timestampDelta(varlong 0: 1) offsetDelta key value headerCount(1)
    const body = 3 + varintSize(i) + varintSize(k) + (k > 0 ? k : 0) + varintSize(v) + (v > 0 ? v : 0);
    p = writeVarint(out, p, body);
    out[p++] = 0; // attributes
    out[p++] = 0; // timestampDelta
    p = writeVarint(out, p, i);
    p = writeVarint(out, p, k);
    if (k > 0) p = writeBytes(out, p, r.key!, k);
    p = writeVarint(out, p, v);
    if (v > 0) p = writeBytes(out, p, r.value!, v);
    out[p++] = 0; // no headers
  }
  out.writeInt32BE(p - start - 12, start + 8);
  return p;
}

/**
 * The batch written at [start, end) of `uncompressed` as a compressed batch: the same header with
 * the codec in its attributes, then `compress` of its records. The CRC is left to sealBatch.
 */
export function compressBatch(uncompressed: Buffer, start: number, end: number, codec: number, compress: (records: Uint8Array) => Buffer): Buffer {
  const records = compress(uncompressed.subarray(start + BATCH_HEADER_BYTES, end));
  const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES + records.length);
  uncompressed.copy(out, 0, start, start + BATCH_HEADER_BYTES);
  out.set(records, BATCH_HEADER_BYTES);
  out.writeInt32BE(out.length - 12, 8); // batchLength: after baseOffset and itself
  out.writeInt16BE(out.readInt16BE(ATTRIBUTES_AT) | codec, ATTRIBUTES_AT);
  return out;
}

/** The CRC-32C field of a written batch: over everything from the attributes to the end. */
export function sealBatch(out: Buffer, start: number, end: number, crc32c: (data: Uint8Array) => number): void {
  out.writeUInt32BE(crc32c(out.subarray(start + ATTRIBUTES_AT, end)), start + CRC_AT);
}
