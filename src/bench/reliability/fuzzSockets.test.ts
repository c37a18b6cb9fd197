import { describe, expect, it } from 'vitest';
import { fuzzSockets } from './fuzzSockets.js';

describe('bench > reliability > fuzzSockets', () => {
  it('1,000 malformed queries and answers through the real proxy sockets: no crash, no hang, forgeries discarded', async () => {
    const result = await fuzzSockets({ cases: 1_000, seed: Number(process.env.FUZZ_SEED ?? 7), tcpShare: 0.2 });
    expect(result.failures).toEqual([]);
    expect(result.crashes + result.hangs).toBe(0);
    expect(Object.values(result.outcomes).reduce((a, b) => a + b, 0)).toBe(1_000);
    const c = result.counters;
    expect(c.received).toBe(1_000);
    expect(c.malformed + c.refusedUnknownClient + c.refusedOverload + c.denied + c.forwarded).toBe(c.received);
    expect(c.answered + c.servfail).toBe(c.forwarded);
    // every query the proxy forwarded reached the fake upstream, and what it sent back that was
    // not the genuine answer was discarded and counted
    expect(result.upstreamQueries).toBe(c.forwarded);
    expect(c.spoofed).toBeGreaterThan(0);
    expect(c.tcpConnections).toBeGreaterThan(0);
  }, 120_000);
});
