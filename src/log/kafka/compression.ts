// Record-batch compression for the forwarder. Only gzip: it is built into every Kafka client and
// Node does it natively (lz4/zstd/snappy would need npm packages with native code; Node 20's zlib
// has no zstd). kafkajs's own gzip codec uses zlib's default level 6, which compresses Hubble
// lines at well under the rate we produce them; level 1 keeps ~85% of the saving at several times
// the speed. zlib runs on libuv's thread pool, so compression leaves the main thread, which
// encodes and the broker (on the same machine in the benchmark) gets a tenth of the bytes.
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import './kafkajsPatches.js'; // before kafkajs loads: see the file
import kafkajs from 'kafkajs';

export type ForwarderCompression = 'none' | 'gzip';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);
let registered = false;

/** The kafkajs compression type for a setting, registering the level-1 gzip codec on first use. */
export function kafkaCompression(setting: ForwarderCompression): number {
  if (setting === 'none') return kafkajs.CompressionTypes.None;
  if (!registered) {
    kafkajs.CompressionCodecs[kafkajs.CompressionTypes.GZIP] = () => ({
      compress: (encoder: { buffer: Buffer }) => gzip(encoder.buffer, { level: 1 }),
      decompress: (buffer: Buffer) => gunzip(buffer),
    });
    registered = true;
  }
  return kafkajs.CompressionTypes.GZIP;
}
