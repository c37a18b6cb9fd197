import { describe, expect, it } from 'vitest';
import { ConntrackIndex } from './conntrackIndex.js';

const key = (endpointId: number, bytes: number[]) => `${endpointId}|${Buffer.from(bytes).toString('latin1')}`;

describe('agent > conntrackIndex', () => {
  it('answers from one read per refresh interval, by endpoint and address bytes (IPv4 and IPv6)', () => {
    let reads = 0;
    const v6 = [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 0x10];
    const index = new ConntrackIndex(() => {
      reads++;
      return new Set([key(7, [192, 0, 2, 10]), key(7, v6)]);
    }, () => 0n, 60n, 1000);
    expect(index.isInUse(7, '192.0.2.10', 0)).toBe(true);
    expect(index.isInUse(7, '2001:db8::10', 10)).toBe(true);
    expect(index.isInUse(8, '192.0.2.10', 20)).toBe(false);
    expect(index.isInUse(7, '192.0.2.11', 30)).toBe(false);
    expect(reads).toBe(1);
    index.isInUse(7, '192.0.2.10', 1000);
    expect(reads).toBe(2);
  });

  it('passes the clock and the idle bound to the reader', () => {
    const seen: bigint[][] = [];
    const index = new ConntrackIndex((now, idle) => {
      seen.push([now, idle]);
      return new Set();
    }, () => 123n, 45n);
    index.isInUse(1, '192.0.2.1', 0);
    expect(seen).toEqual([[123n, 45n]]);
  });
});
