// kafkajs's Produce request (v3, which v4-v7 reuse) with the record batches written by
// recordBatch.ts: the whole request body in one Buffer, sized up front. Compressed batches are
// written here too for the codecs given (lz4: one synchronous call per batch, lz4.ts). Requests
// this encoder does not cover (other codecs, record headers, per-record timestamps, keys or
// values that are neither Buffer nor string) go through kafkajs's own encoder unchanged. kafkajsPatches.ts puts
// this in place of kafkajs's module; everything else (sequence numbers, acks, retries, the
// connection) stays kafkajs's.
import { compressBatch, measureBatch, sealBatch, writeBatch, type Lengths, type WireRecord } from './recordBatch.js';
import { REQUEST_HEADROOM, type HeadroomEncoder } from './requestFrame.js';

interface ProduceMessage extends WireRecord { headers?: unknown; timestamp?: unknown }

interface ProducePartition { partition: number; firstSequence?: number; messages: ProduceMessage[] }

export interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: { topic: string; partitions: ProducePartition[] }[];
}

export interface KafkajsRequest { encode: () => Promise<unknown>; [field: string]: unknown }

/** kafkajs's Encoder, as far as its request framing (protocol/request.js) reads one. */
export interface EncoderLike { buf: Buffer; offset: number }
export type EncoderClass = new (initialSize?: number) => EncoderLike;

const isBytes = (v: unknown): boolean => v === null || v === undefined || typeof v === 'string' || Buffer.isBuffer(v);

function noHeaders(headers: unknown): boolean {
  if (headers === undefined || headers === null) return true;
  for (const _ in headers as object) return false;
  return true;
}

/** True when this encoder writes exactly what kafkajs would for the message. */
export function eligible(m: ProduceMessage): boolean {
  return (m.timestamp === undefined || m.timestamp === null) && noHeaders(m.headers) && isBytes(m.key) && isBytes(m.value);
}

/** kafkajs passes its Long (a BigInt in `value`); a number or string means the same id. */
function toBigInt(id: unknown): bigint {
  if (typeof id === 'bigint') return id;
  if (typeof id === 'number' || typeof id === 'string') return BigInt(id);
  const value = (id as { value?: unknown } | null)?.value;
  return typeof value === 'bigint' ? value : -1n;
}

const stringBytes = (s: string | null): number => (s === null ? 0 : Buffer.byteLength(s));

function writeString(out: Buffer, at: number, s: string | null): number {
  if (s === null) { out.writeInt16BE(-1, at); return at + 2; }
  const n = out.write(s, at + 2, 'utf8');
  out.writeInt16BE(n, at);
  return at + 2 + n;
}

/** A compression codec: its id in the batch attributes and the function that compresses records. */
export interface WireCodec { id: number; compress: (records: Uint8Array) => Buffer }

/** One partition's record set: its size, and how to write it (already sealed) at a position. */
interface PlannedBatch { bytes: number; write(out: Buffer, at: number): void }

/**
 * The request body: transactional_id acks timeout [topic [partition record_set]]; with
 * `headroom` free bytes before it in the same memory (for requestFrame.ts's header). Without a
 * codec each batch is written in place; with one, it is written uncompressed first, then its
 * records are compressed and the result copied in.
 */
export function encodeProduceBody(args: ProduceArgs, crc32c: (data: Uint8Array) => number, headroom = 0, codec?: WireCodec): Buffer {
  const transactionalId = args.transactionalId ?? null;
  const producerId = args.producerId === undefined ? -1n : toBigInt(args.producerId);
  const plan = (p: ProducePartition): PlannedBatch => {
    const lengths: Lengths = { key: new Int32Array(p.messages.length), value: new Int32Array(p.messages.length) };
    const bytes = measureBatch(p.messages, lengths);
    // One clock reading per partition, as kafkajs takes it for records without a timestamp.
    const meta = { producerId, producerEpoch: args.producerEpoch ?? 0, firstSequence: p.firstSequence ?? 0, transactional: transactionalId !== null && transactionalId !== '', timestampMs: Date.now() };
    if (codec === undefined) {
      return { bytes, write: (out, at) => sealBatch(out, at, writeBatch(out, at, p.messages, lengths, meta), crc32c) };
    }
    const scratch = Buffer.allocUnsafe(bytes);
    const batch = compressBatch(scratch, 0, writeBatch(scratch, 0, p.messages, lengths, meta), codec.id, codec.compress);
    sealBatch(batch, 0, batch.length, crc32c);
    return { bytes: batch.length, write: (out, at) => out.set(batch, at) };
  };
  const batches = args.topicData.map((t) => t.partitions.map(plan));
  let size = 2 + stringBytes(transactionalId) + 2 + 4 + 4;
  args.topicData.forEach((t, ti) => {
    size += 2 + stringBytes(t.topic) + 4;
    for (const b of batches[ti]!) size += 8 + b.bytes;
  });
  const out = Buffer.allocUnsafe(headroom + size).subarray(headroom);
  let at = writeString(out, 0, transactionalId);
  out.writeInt16BE(args.acks, at);
  out.writeInt32BE(args.timeout, at + 2);
  out.writeInt32BE(args.topicData.length, at + 6);
  at += 10;
  args.topicData.forEach((t, ti) => {
    at = writeString(out, at, t.topic);
    out.writeInt32BE(t.partitions.length, at);
    at += 4;
    t.partitions.forEach((p, pi) => {
      const batch = batches[ti]![pi]!;
      out.writeInt32BE(p.partition, at);
      out.writeInt32BE(batch.bytes, at + 4);
      batch.write(out, at + 8);
      at += 8 + batch.bytes;
    });
  });
  return out;
}

/**
 * Wraps kafkajs's produce/v3 request factory: requests of eligible messages, uncompressed or
 * compressed with one of `codecs` (by kafkajs compression type), are encoded here.
 */
export function fastProduceRequest(
  original: (args: ProduceArgs) => KafkajsRequest, Encoder: EncoderClass, crc32c: (data: Uint8Array) => number,
  codecs: ReadonlyMap<number, WireCodec> = new Map(),
): (args: ProduceArgs) => KafkajsRequest {
  return (args) => {
    const request = original(args);
    const compression = args.compression ?? 0;
    const codec = codecs.get(compression);
    if (compression !== 0 && codec === undefined) return request;
    const kafkajsEncode = request.encode;
    const encode = async () => {
      if (!args.topicData.every((t) => t.partitions.every((p) => p.messages.every(eligible)))) return kafkajsEncode();
      const encoder: HeadroomEncoder = new Encoder(0);
      encoder.buf = encodeProduceBody(args, crc32c, REQUEST_HEADROOM, codec);
      encoder.offset = encoder.buf.length;
      encoder.headroom = REQUEST_HEADROOM;
      return encoder;
    };
    return { ...request, encode };
  };
}
