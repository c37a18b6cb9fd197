// Record-batch compression for the forwarder: none, gzip or lz4.
// - lz4 (the agent's default): the system's liblz4 (lz4.ts), called synchronously by our own
//   batch encoder (wire/produceRequest.ts). Hubble lines shrink about tenfold at ~3 GB/s, and
//   the broker does less than half the work per flow (bench/results/kafka.json). Registered with
//   kafkajs as well, so kafkajs consumers (`sluice observe --kafka`) read lz4 batches, whoever
//   wrote them.
// - gzip: built into every Kafka client and Node; kafkajs's own codec uses zlib's level 6, far
//   slower than we produce, so level 1 is registered (it keeps ~85% of the saving). It goes
//   through kafkajs's own encoder and libuv's thread pool.
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import './kafkajsPatches.js'; // before kafkajs loads: see the file
import kafkajs from 'kafkajs';
import { lz4, requireLz4 } from './lz4.js';

export type ForwarderCompression = 'none' | 'gzip' | 'lz4';
export const forwarderCompressions: readonly ForwarderCompression[] = ['none', 'gzip', 'lz4'];

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);
const { CompressionCodecs, CompressionTypes } = kafkajs;

CompressionCodecs[CompressionTypes.GZIP] = () => ({
  compress: (encoder: { buffer: Buffer }) => gzip(encoder.buffer, { level: 1 }),
  decompress: (buffer: Buffer) => gunzip(buffer),
});
if (lz4 !== null) {
  const codec = lz4;
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: async (encoder: { buffer: Buffer }) => codec.compress(encoder.buffer),
    decompress: async (buffer: Buffer) => codec.decompress(buffer),
  });
}

/**
 * The agent's default: lz4 (the broker does less than half the work per flow; see above), none
 * where liblz4 is missing.
 */
export const defaultKafkaCompression = (): ForwarderCompression => (lz4 === null ? 'none' : 'lz4');

/** The kafkajs compression type for a setting; lz4 without liblz4 is an ERR_CONFIG naming it. */
export function kafkaCompression(setting: ForwarderCompression): number {
  switch (setting) {
    case 'none': return CompressionTypes.None;
    case 'gzip': return CompressionTypes.GZIP;
    case 'lz4': requireLz4(); return CompressionTypes.LZ4;
  }
}
