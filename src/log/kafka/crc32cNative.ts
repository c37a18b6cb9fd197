// CRC-32C with the CPU's instruction (native/crc32c.c, built by `make -C native` into a small
// shared library and called through koffi), for the record batches the forwarder sends: a
// 4 MiB request took ~3 ms in crc32c.ts's tables and takes well under one here. Without the
// library (not built, another architecture, a CPU without the instruction) crc32cFast is the
// JavaScript version; both give the same values (crc32cNative.test.ts). Short inputs stay in
// JavaScript, where a call costs less than crossing into C.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';
import { crc32c } from './crc32c.js';

const libraryPath = fileURLToPath(new URL('../../../native/.output/libsluice_native.so', import.meta.url));
const NATIVE_FROM_BYTES = 1024;

function loadNative(): ((data: Uint8Array) => number) | null {
  if (!existsSync(libraryPath)) return null;
  try {
    const lib = koffi.load(libraryPath);
    const available = lib.func('int sluice_crc32c_available(void)') as () => number;
    if (available() === 0) return null;
    const fn = lib.func('uint32_t sluice_crc32c(const uint8_t *data, size_t len)') as (data: Uint8Array, len: number) => number;
    return (data) => fn(data, data.length);
  } catch {
    return null; // a library that does not load (wrong architecture, say) only costs speed
  }
}

/** The CPU-instruction CRC-32C, or null when the library or the instruction is missing. */
export const crc32cNative = loadNative();

export const crc32cFast: (data: Uint8Array) => number = crc32cNative === null
  ? crc32c
  : (data) => (data.length < NATIVE_FROM_BYTES ? crc32c(data) : crc32cNative!(data));
