// Event time as RFC3339 text with nanoseconds (what Hubble and our envelope carry) and as epoch
// milliseconds (what the log's time index and replay compare). Formatting sits on the flow hot
// path, so the date-and-seconds prefix is cached: consecutive events mostly share a second.
import { SluiceError } from '../errors.js';

let cachedSecond = -1n;
let cachedPrefix = '';
/** cachedPrefix as bytes (it is ASCII), for writeTimeNs. */
let cachedPrefixBytes = new Uint8Array(0);

/** The whole second of `epochNs` (rounded down) and the nanoseconds past it. */
function splitNs(epochNs: bigint): [bigint, number] {
  let second = epochNs / 1_000_000_000n;
  if (epochNs < 0n && second * 1_000_000_000n !== epochNs) second -= 1n; // BigInt division truncates toward zero
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(Number(second) * 1000).toISOString().slice(0, 19);
    cachedPrefixBytes = Buffer.from(cachedPrefix, 'latin1');
  }
  return [second, Number(epochNs - second * 1_000_000_000n)];
}

/** Epoch nanoseconds -> `2025-11-27T16:48:00.123456789Z`. */
export function formatTimeNs(epochNs: bigint): string {
  const [, frac] = splitNs(epochNs);
  return `${cachedPrefix}.${String(frac).padStart(9, '0')}Z`;
}

/**
 * formatTimeNs(epochNs) as ASCII bytes at `at` of `out` (which has room for them: 30 bytes for
 * any date in years 0-9999); returns the position after. For the flow line writer.
 */
export function writeTimeNs(epochNs: bigint, out: Uint8Array, at: number): number {
  let frac = splitNs(epochNs)[1];
  const prefix = cachedPrefixBytes;
  for (let i = 0; i < prefix.length; i++) out[at++] = prefix[i]!;
  out[at++] = 0x2e; // .
  for (let i = 8; i >= 0; i--) {
    out[at + i] = 0x30 + (frac % 10);
    frac = Math.floor(frac / 10);
  }
  out[at + 9] = 0x5a; // Z
  return at + 10;
}

/**
 * Epoch milliseconds (with a sub-ms fraction) -> RFC3339 with nanoseconds. Whole ms and the
 * fraction are converted apart: epochMs * 1e6 is past 2^53 for any current date, so the product
 * would round to a multiple of 2^8 ns and print `.667000064Z` for `.667`. (A double near today's
 * epoch ms still only resolves about 0.24 us; that is the input's limit, not this function's.)
 */
export function formatTimeMs(epochMs: number): string {
  const wholeMs = Math.floor(epochMs);
  const fracNs = Math.round((epochMs - wholeMs) * 1e6); // exact subtraction: both are close doubles
  return formatTimeNs(BigInt(wholeMs) * 1_000_000n + BigInt(fracNs));
}

const rfc3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** RFC3339 (any fraction length, Z or offset) -> epoch ms, keeping sub-ms digits as a fraction. */
export function parseTimeMs(text: string): number {
  const m = rfc3339.exec(text);
  if (!m) throw new SluiceError('ERR_CONFIG', `time '${text}': not RFC3339`);
  const whole = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(whole)) throw new SluiceError('ERR_CONFIG', `time '${text}': not a valid date`);
  const frac = m[2] === undefined ? 0 : Number(`0.${m[2]}`) * 1000;
  return whole + frac;
}

const relative = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h|d)$/;
const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A user's time argument, as hubble takes it: RFC3339, or a duration ago (`5m`, `1h30m` is not
 * accepted: one unit), relative to `nowMs`.
 */
export function parseTimeArg(text: string, nowMs: number): number {
  const rel = relative.exec(text);
  if (rel) return nowMs - Number(rel[1]) * unitMs[rel[2]!]!;
  return parseTimeMs(text);
}
