import { createRequire } from 'node:module';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { crc32c } from '../crc32c.js';
import { lz4 } from '../lz4.js';
import '../compression.js'; // registers the lz4 codec kafkajs's decoder looks up
import { encodeProduceBody, fastProduceRequest, type EncoderClass, type KafkajsRequest, type ProduceArgs } from './produceRequest.js';

const require = createRequire(import.meta.url);

/** kafkajs's own produce/v3 request, evaluated afresh even if the patched one sits in the module cache. */
function kafkajsProduceV3(): (args: ProduceArgs) => KafkajsRequest {
  const path = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
  const cached = require.cache[path];
  delete require.cache[path];
  try {
    return require(path) as (args: ProduceArgs) => KafkajsRequest;
  } finally {
    if (cached) require.cache[path] = cached;
  }
}
const original = kafkajsProduceV3();
const Encoder = require('kafkajs/src/protocol/encoder.js') as EncoderClass;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<{ records: { key: Buffer | null; value: Buffer | null; offset: string }[]; firstSequence: number; producerId: string; producerEpoch: number; inTransaction: boolean; compression: number }>;
// The byte-at-a-time CRC-32C from its file, independent of the one we plug in.
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: unknown): unknown };

const kafkajsBytes = async (args: ProduceArgs): Promise<Buffer> => ((await original(args).encode()) as { buffer: Buffer }).buffer;

const bytesArb = fc.oneof(
  fc.constant(null),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
);
const messageArb = fc.record({ key: fc.oneof(fc.constant(undefined), bytesArb), value: bytesArb });

function args(partitions: { partition: number; firstSequence: number; messages: ProduceArgs['topicData'][number]['partitions'][number]['messages'] }[], extra: Partial<ProduceArgs> = {}): ProduceArgs {
  return { acks: -1, timeout: 30000, producerId: Long.fromValue(4711), producerEpoch: 3, topicData: [{ topic: 'sluice.flows', partitions }], ...extra };
}

describe('log > kafka > wire > produce request', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-27T12:00:00.123Z'));
  });
  afterEach(() => { vi.useRealTimers(); });

  it('writes the bytes kafkajs writes, for any keys and values', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(messageArb, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 3 }),
      fc.option(fc.constantFrom('', 'tx-1'), { nil: null }),
      async (parts, transactionalId) => {
        const a = args(parts.map((messages, i) => ({ partition: i, firstSequence: 17 * i, messages })), { transactionalId });
        expect(encodeProduceBody(a, crc32c)).toEqual(await kafkajsBytes(a));
      },
    ), { numRuns: 60 });
  });

  it('matches kafkajs past one-byte varints: 300 records of Hubble-sized values, several topics', async () => {
    const line = Buffer.from(`{"flow":${JSON.stringify({ summary: 'x'.repeat(20_000) })}}`);
    const messages = Array.from({ length: 300 }, (_, i) => ({ key: String(i % 64), value: i % 50 === 0 ? line : line.subarray(0, 820) }));
    const a: ProduceArgs = { ...args([{ partition: 2, firstSequence: 1_000_000, messages }]), topicData: [
      { topic: 'sluice.flows', partitions: [{ partition: 2, firstSequence: 1_000_000, messages }] },
      { topic: 'sluice.dns', partitions: [{ partition: 0, firstSequence: 0, messages: messages.slice(0, 3) }] },
    ] };
    expect(encodeProduceBody(a, crc32c)).toEqual(await kafkajsBytes(a));
  });

  it('decodes with kafkajs into the same records, under a CRC kafkajs computes alike', async () => {
    const messages = Array.from({ length: 200 }, (_, i) => ({ key: i % 7 === 0 ? null : String(i), value: Buffer.from(`value-${i}-é`) }));
    const body = encodeProduceBody(args([{ partition: 0, firstSequence: 42, messages }]), crc32c);
    // transactional_id(2) acks(2) timeout(4) topics(4) topic(2+12) partitions(4) partition(4) size(4)
    const batch = body.subarray(2 + 2 + 4 + 4 + 2 + 12 + 4 + 4 + 4);
    expect(batch.readUInt32BE(17)).toBe(kafkajsCrc32c(batch.subarray(21)));
    const decoded = await decodeBatch(new Decoder(batch));
    expect(decoded.firstSequence).toBe(42);
    expect(decoded.producerId).toBe('4711');
    expect(decoded.producerEpoch).toBe(3);
    expect(decoded.inTransaction).toBe(false);
    expect(decoded.records.map((r) => [r.key?.toString() ?? null, r.value!.toString(), r.offset])).toEqual(messages.map((m, i) => [m.key, m.value.toString(), String(i)]));
  });

  it.skipIf(lz4 === null && process.env.CI !== 'true')('writes lz4 batches that kafkajs decompresses and decodes into the same records', async () => {
    const codec = { id: 3, compress: (records: Uint8Array) => lz4!.compress(records) };
    const line = `{"flow":${JSON.stringify({ summary: 'x'.repeat(900) })}}`;
    // past one 64 KiB LZ4 block, so the frame has several
    const messages = Array.from({ length: 400 }, (_, i) => ({ key: i % 9 === 0 ? null : String(i % 64), value: Buffer.from(`${i}:${line}`) }));
    const uncompressed = encodeProduceBody(args([{ partition: 0, firstSequence: 42, messages }]), crc32c);
    const body = encodeProduceBody(args([{ partition: 0, firstSequence: 42, messages }]), crc32c, 0, codec);
    expect(body.length).toBeLessThan(uncompressed.length / 5);
    const batch = body.subarray(2 + 2 + 4 + 4 + 2 + 12 + 4 + 4 + 4);
    expect(body.readInt32BE(2 + 2 + 4 + 4 + 2 + 12 + 4 + 4)).toBe(batch.length);
    expect(batch.readInt32BE(8)).toBe(batch.length - 12);
    expect(batch.readInt16BE(21) & 0x07).toBe(3);
    expect(batch.readUInt32BE(17)).toBe(kafkajsCrc32c(batch.subarray(21)));
    const decoded = await decodeBatch(new Decoder(batch));
    expect(decoded.firstSequence).toBe(42);
    expect(decoded.producerId).toBe('4711');
    expect(decoded.records.map((r) => [r.key?.toString() ?? null, r.value!.toString(), r.offset])).toEqual(messages.map((m, i) => [m.key, m.value.toString(), String(i)]));
    // the fast path takes lz4 requests when given the codec, and leaves them to kafkajs otherwise
    const a = args([{ partition: 0, firstSequence: 42, messages }], { compression: 3 });
    const fast = fastProduceRequest(original, Encoder, crc32c, new Map([[3, codec]]));
    const encoded = (await fast(a).encode()) as { buf: Buffer; offset: number; headroom: number };
    expect(encoded.buf.subarray(0, encoded.offset)).toEqual(body);
  });

  it('leaves what it does not cover to kafkajs: headers, timestamps, other value types, compression', async () => {
    const fast = fastProduceRequest(original, Encoder, () => { throw new Error('the fast path ran'); });
    const plain = { key: 'k', value: 'v' };
    for (const a of [
      args([{ partition: 0, firstSequence: 0, messages: [plain, { ...plain, headers: { h: 'x' } } as never] }]),
      args([{ partition: 0, firstSequence: 0, messages: [{ ...plain, timestamp: '1700000000000' } as never] }]),
      args([{ partition: 0, firstSequence: 0, messages: [plain] }], { compression: 1 }),
    ]) {
      expect(((await fast(a).encode()) as { buffer: Buffer }).buffer).toEqual(await kafkajsBytes(a));
    }
    // kafkajs refuses a number value; so does the wrapped request, by the same error.
    const number = args([{ partition: 0, firstSequence: 0, messages: [{ key: 'k', value: 7 } as never] }]);
    await expect(fast(number).encode()).rejects.toThrow(TypeError);
  });
});
