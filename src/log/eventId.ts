// Event ids: UUIDv7 (RFC 9562): 48 bits of epoch milliseconds, then randomness. Ids sort roughly
// by time, are unique across nodes and restarts without coordination (a per-node counter would
// repeat after the local log is wiped, and consumers that drop duplicates by id would then drop
// new events), and look like the `uuid` Hubble puts on each flow, which is where flows carry them.
import { randomFillSync } from 'node:crypto';

const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
// Random bytes come from a pool: one getrandom call per 4096 ids instead of one per id.
const pool = Buffer.alloc(10 * 4096);
let poolAt = pool.length;

/** Where the next id's 10 random bytes start in the pool (refilled when used up). */
function takeRandom(): number {
  if (poolAt + 10 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const r = poolAt;
  poolAt += 10;
  return r;
}

/** The 48 time bits as the top 32 and the low 16. */
function timeBits(epochMs: number): { hi: number; lo: number } {
  const ms = Math.floor(epochMs);
  return { hi: Math.floor(ms / 0x1_0000), lo: ms % 0x1_0000 };
}

export function newEventId(epochMs: number = Date.now()): string {
  // written as bytes and read back as one string: the DNS proxy makes two ids a query, and the
  // pieces of a string built by concatenation were a tenth of what it allocates
  writeEventId(idScratch, 0, epochMs);
  return idScratch.toString('latin1', 0, 36);
}

/** Two lowercase hex digits per byte value, as ASCII: [2b] high nibble, [2b + 1] low. */
const hexPairs = Buffer.from(hex.join(''), 'latin1');
const idScratch = Buffer.alloc(36);

function writeByteHex(out: Uint8Array, at: number, b: number): void {
  out[at] = hexPairs[2 * b]!;
  out[at + 1] = hexPairs[2 * b + 1]!;
}

/**
 * newEventId(epochMs) written as 36 ASCII bytes at `at` of `out` (without a string in between):
 * the same layout from the same random pool, for times before the year 10889 (48 bits of ms).
 * Returns the position after it.
 */
export function writeEventId(out: Uint8Array, at: number, epochMs: number): number {
  const r = takeRandom();
  const { hi, lo } = timeBits(epochMs);
  writeByteHex(out, at, (hi >>> 24) & 0xff);
  writeByteHex(out, at + 2, (hi >>> 16) & 0xff);
  writeByteHex(out, at + 4, (hi >>> 8) & 0xff);
  writeByteHex(out, at + 6, hi & 0xff);
  out[at + 8] = 0x2d; // -
  writeByteHex(out, at + 9, lo >>> 8);
  writeByteHex(out, at + 11, lo & 0xff);
  out[at + 13] = 0x2d;
  writeByteHex(out, at + 14, 0x70 | (pool[r]! & 0x0f));
  writeByteHex(out, at + 16, pool[r + 1]!);
  out[at + 18] = 0x2d;
  writeByteHex(out, at + 19, 0x80 | (pool[r + 2]! & 0x3f));
  writeByteHex(out, at + 21, pool[r + 3]!);
  out[at + 23] = 0x2d;
  for (let i = 0; i < 6; i++) writeByteHex(out, at + 24 + 2 * i, pool[r + 4 + i]!);
  return at + 36;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isEventId(text: string): boolean {
  return uuidPattern.test(text);
}
