// Drop-in replacements for kafkajs 2.x internals that dominate the forwarder's CPU time: the
// per-byte CRC-32C (crc32c.ts), the quadratic grouping of a batch by partition
// (groupByPartition.ts) and zero-filled encoder buffers (pooledEncoder.ts). kafkajs offers no hook for either, so they are placed in the CommonJS
// module cache under the files' own paths before kafkajs is first loaded; kafkajs's require()
// then finds them there. Both compute exactly what the originals do (tests compare them).
//
// Design debt: this depends on kafkajs's file layout. If a kafkajs release moves the files, the
// paths do not exist and nothing is patched (kafkajsPatched says so); it stays correct, only
// slower. Every module that imports 'kafkajs' imports this file first (kafkaClient.ts,
// compression.ts); kafkajsPatches.test.ts checks that the forwarder's import order patches all.
import { existsSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { crc32c } from './crc32c.js';
import { groupByPartition } from './groupByPartition.js';
import { pooledEncoder } from './pooledEncoder.js';

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

/** Loads kafkajs's own encoder module, then leaves a subclass in its place for kafkajs to find. */
function replaceEncoder(): boolean {
  const path = join(root, 'src/protocol/encoder.js');
  if (!existsSync(path) || require.cache[path] !== undefined) return false;
  const entry = (require(path), require.cache[path]!);
  entry.exports = pooledEncoder(entry.exports as Parameters<typeof pooledEncoder>[0]);
  return true;
}

export const kafkajsPatched = {
  encoder: replaceEncoder(),
  crc32c: preload('src/protocol/recordBatch/crc32C/index.js', crc32c),
  groupMessagesPerPartition: preload('src/producer/groupMessagesPerPartition.js', groupByPartition),
};
