// Two drop-in replacements for kafkajs 2.x internals that dominate the forwarder's CPU time:
// the per-byte CRC-32C (crc32c.ts) and the quadratic grouping of a batch by partition
// (groupByPartition.ts). kafkajs offers no hook for either, so they are placed in the CommonJS
// module cache under the files' own paths before kafkajs is first loaded; kafkajs's require()
// then finds them there. Both compute exactly what the originals do (tests compare them).
//
// Design debt: this depends on kafkajs's file layout. If a kafkajs release moves the files, the
// paths do not exist and nothing is patched (kafkajsPatched says so); it stays correct, only
// slower. It must be imported before 'kafkajs' (kafkaClient.ts does so on its first line).
import { existsSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { crc32c } from './crc32c.js';
import { groupByPartition } from './groupByPartition.js';

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

export const kafkajsPatched = {
  crc32c: preload('src/protocol/recordBatch/crc32C/index.js', crc32c),
  groupMessagesPerPartition: preload('src/producer/groupMessagesPerPartition.js', groupByPartition),
};
