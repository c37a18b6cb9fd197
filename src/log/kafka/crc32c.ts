// CRC-32C (Castagnoli), the checksum of every Kafka record batch, slicing-by-8: eight table
// lookups per 8 bytes instead of one per byte. kafkajs computes it in JavaScript a byte at a time
// over every uncompressed batch, which was a tenth of the forwarder's CPU time on Hubble lines;
// Node has no native CRC-32C (zlib.crc32 is the IEEE polynomial). kafkajsPatches.ts plugs it in.
const POLY = 0x82f63b78; // reflected 0x1EDC6F41

const tables = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
  tables[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = tables[n]!;
  for (let t = 1; t < 8; t++) {
    c = tables[c & 0xff]! ^ (c >>> 8);
    tables[t * 256 + n] = c;
  }
}

export function crc32c(data: Uint8Array): number {
  const T = tables;
  let crc = -1;
  let i = 0;
  const n8 = data.length - (data.length % 8);
  for (; i < n8; i += 8) {
    const a = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    crc = T[1792 + (a & 0xff)]! ^ T[1536 + ((a >>> 8) & 0xff)]! ^ T[1280 + ((a >>> 16) & 0xff)]! ^ T[1024 + (a >>> 24)]!
      ^ T[768 + data[i + 4]!]! ^ T[512 + data[i + 5]!]! ^ T[256 + data[i + 6]!]! ^ T[data[i + 7]!]!;
  }
  for (; i < data.length; i++) crc = T[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
