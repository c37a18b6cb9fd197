import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../crc32c.js';
import { encodeProduceBody, type EncoderClass } from './produceRequest.js';
import { frameRequest, REQUEST_HEADROOM, type HeadroomEncoder } from './requestFrame.js';

const require = createRequire(import.meta.url);

/** kafkajs's own protocol/request.js, evaluated afresh even if the patched one is cached. */
function kafkajsFrame(): (args: unknown) => Promise<{ buffer: Buffer }> {
  const path = require.resolve('kafkajs/src/protocol/request.js');
  const cached = require.cache[path];
  delete require.cache[path];
  try {
    return require(path) as (args: unknown) => Promise<{ buffer: Buffer }>;
  } finally {
    if (cached) require.cache[path] = cached;
  }
}
const original = kafkajsFrame();
const Encoder = require('kafkajs/src/protocol/encoder.js') as EncoderClass & (new (n?: number) => { writeString(s: string): unknown; writeInt32(n: number): unknown });
const framed = async (f: (a: never) => Promise<unknown>, a: unknown) => ((await f(a as never)) as { buffer: Buffer }).buffer;

describe('log > kafka > wire > request frame', () => {
  const frame = frameRequest(Encoder);

  it('frames a kafkajs encoder the way kafkajs does, for any client id', async () => {
    for (const clientId of ['sluice', 'ünïcode-client', '', null]) {
      const encode = async () => {
        const e = new Encoder();
        e.writeString('payload '.repeat(100));
        e.writeInt32(42);
        return e;
      };
      const args = { correlationId: 77, clientId, request: { apiKey: 0, apiVersion: 7, encode } };
      expect(await framed(frame, args)).toEqual(await framed(original, args));
    }
  });

  it('writes the header into the headroom of a produce body, giving the same bytes', async () => {
    const messages = Array.from({ length: 50 }, (_, i) => ({ key: String(i), value: Buffer.from(`v${i}`) }));
    const args = { acks: -1, timeout: 30000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages }] }] };
    const body = encodeProduceBody(args, crc32c, REQUEST_HEADROOM);
    const encode = async () => {
      const e: HeadroomEncoder = new Encoder(0);
      e.buf = body;
      e.offset = body.length;
      e.headroom = REQUEST_HEADROOM;
      return e;
    };
    const plain = async () => {
      const e = new Encoder(0);
      e.buf = Buffer.from(body);
      e.offset = body.length;
      return e;
    };
    const out = await framed(frame, { correlationId: 5, clientId: 'sluice', request: { apiKey: 0, apiVersion: 7, encode } });
    expect(out).toEqual(await framed(original, { correlationId: 5, clientId: 'sluice', request: { apiKey: 0, apiVersion: 7, encode: plain } }));
    expect(out.buffer).toBe(body.buffer); // no copy: the header went in front of the body
  });
});
