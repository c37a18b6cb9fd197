// Drop-in replacements for kafkajs 2.x internals that dominate the forwarder's CPU time: the
// per-byte CRC-32C (crc32cNative.ts, crc32c.ts), the quadratic grouping of a batch by partition
// (groupByPartition.ts), zero-filled encoder buffers (pooledEncoder.ts), the per-record
// encoding of Produce requests (wire/produceRequest.ts) and the copies that frame a request
// (wire/requestFrame.ts). kafkajs offers no hook for any of them,
// so they are placed in the CommonJS module cache under the files' own paths before kafkajs is
// first loaded; kafkajs's require() then finds them there. Each computes exactly what the
// original does (tests compare them).
//
// Design debt: this depends on kafkajs's file layout. If a kafkajs release moves the files, the
// paths do not exist and nothing is patched (kafkajsPatched says so); it stays correct, only
// slower. Every module that imports 'kafkajs' imports this file first (kafkaClient.ts,
// compression.ts); kafkajsPatches.test.ts checks that the forwarder's import order patches all.
import { existsSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { crc32cFast } from './crc32cNative.js';
import { groupByPartition } from './groupByPartition.js';
import { pooledEncoder } from './pooledEncoder.js';
import { fastProduceRequest, type EncoderClass, type KafkajsRequest, type ProduceArgs, type WireCodec } from './wire/produceRequest.js';
import { frameRequest } from './wire/requestFrame.js';
import { lz4 } from './lz4.js';

const require = createRequire(import.meta.url);
const root = dirname(require.resolve('kafkajs'));

function preload(relative: string, exports: unknown): boolean {
  const path = join(root, relative);
  if (!existsSync(path) || require.cache[path] !== undefined) return false; // moved, or kafkajs already loaded
  const m = new Module(path);
  m.filename = path;
  m.loaded = true;
  m.exports = exports;
  require.cache[path] = m;
  return true;
}

/** Loads one of kafkajs's own modules, then leaves `wrap` of it in its place for kafkajs to find. */
function replace(relative: string, wrap: (original: never) => unknown): boolean {
  const path = join(root, relative);
  if (!existsSync(path) || require.cache[path] !== undefined) return false;
  const entry = (require(path), require.cache[path]!);
  entry.exports = wrap(entry.exports as never);
  return true;
}

/** kafkajs's compression type 3 is LZ4; batches compressed with it are written by our encoder. */
function lz4Codecs(): Map<number, WireCodec> {
  const codec = lz4;
  return codec === null ? new Map() : new Map([[3, { id: 3, compress: (records: Uint8Array) => codec.compress(records) }]]);
}

// Order matters: the produce request loads kafkajs's record-batch modules, which must find the
// encoder and the CRC already replaced.
const encoder = replace('src/protocol/encoder.js', pooledEncoder);
const crc = preload('src/protocol/recordBatch/crc32C/index.js', crc32cFast);
const group = preload('src/producer/groupMessagesPerPartition.js', groupByPartition);
const produceRequest = replace('src/protocol/requests/produce/v3/request.js', (original: (args: ProduceArgs) => KafkajsRequest) =>
  fastProduceRequest(original, require(join(root, 'src/protocol/encoder.js')) as EncoderClass, crc32cFast, lz4Codecs()));

const requestFrame = preload('src/protocol/request.js', frameRequest(require(join(root, 'src/protocol/encoder.js')) as EncoderClass));

export const kafkajsPatched = { encoder, crc32c: crc, groupMessagesPerPartition: group, produceRequest, requestFrame };
