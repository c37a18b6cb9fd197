// CRC-32 (IEEE, the zlib/gzip polynomial) over a byte range. Node 20.15+ and 22.2+ have a native
// zlib.crc32; older Node 20 releases (package.json allows >=20) fall back to a table version,
// which gives the same values at roughly a tenth of the speed.
import * as zlib from 'node:zlib';

type Crc32Fn = (data: Uint8Array, value?: number) => number;
const native = (zlib as unknown as { crc32?: Crc32Fn }).crc32;

const table = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  table[n] = c >>> 0;
}

export function crc32Table(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export const crc32: (data: Uint8Array) => number = native ? (data) => native(data) : crc32Table;
export const crc32IsNative = native !== undefined;
