// The allowlists of the benchmark: distinct IPv4 addresses from 100.64.0.0/10 (shared address
// space: none of the test bed's ranges), reproducible from run to run, with the world server last.
const BASE = (100 << 24) | (64 << 16);
const SPACE = 1 << 22;
// odd, so i -> i * STRIDE mod 2^22 is a permutation: distinct indexes give distinct addresses,
// and consecutive ones land far apart (no accidental prefix sharing helps any system)
const STRIDE = 2654435761;

export function address(index: number): string {
  if (index < 0 || index >= SPACE) throw new RangeError(`address index ${index} outside 100.64.0.0/10`);
  const n = (BASE + ((index * STRIDE) % SPACE)) >>> 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function range(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => address(from + i));
}

/** N addresses: N - 1 fillers, then `target`, so a rule list is walked to its end to reach it. */
export function allowlist(n: number, target: string): string[] {
  return [...range(0, n - 1), target];
}

/** Addresses for the timed changes: never part of any allowlist above (indexes past 1M). */
export const changeAddresses = (count: number, offset = 0): string[] => range(2_000_000 + offset, count);
