import { describe, expect, it } from 'vitest';
import { answerKinds, queryKinds } from './dnsMutations.js';
import { fuzzHandler } from './fuzzHandler.js';

describe('bench > reliability > fuzzHandler', () => {
  it('20k malformed queries and upstream answers: no crash, no hang, every case accounted for', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 20240608);
    const result = await fuzzHandler({ cases: 20_000, seed });
    expect(result.failures).toEqual([]);
    expect(result.crashes).toBe(0);
    expect(result.hangs).toBe(0);
    expect(result.cases).toBe(20_000);
    // every kind was tried
    for (const kind of queryKinds) expect(result.byKind[`query:${kind}`]).toBeGreaterThan(0);
    for (const kind of answerKinds) expect(result.byKind[`answer:${kind}`]).toBeGreaterThan(0);
    // each case ends in exactly one client-visible outcome
    expect(Object.values(result.outcomes).reduce((a, b) => a + b, 0)).toBe(20_000);
    // and the proxy's own counters balance: every query received is malformed, refused, denied
    // or forwarded, and every forwarded one ends answered or SERVFAIL
    const c = result.counters;
    expect(c.received).toBe(20_000);
    expect(c.malformed + c.refusedUnknownClient + c.refusedOverload + c.denied + c.forwarded).toBe(c.received);
    expect(c.answered + c.servfail).toBe(c.forwarded);
    // malformed upstream answers were really discarded (not relayed) and turned into SERVFAIL
    expect(result.discardedAnswers).toBeGreaterThan(0);
    expect(result.outcomes.servfail).toBeGreaterThanOrEqual(result.discardedAnswers);
    expect(result.outcomes.formerr).toBeGreaterThan(0);
    expect(result.outcomes.dropped).toBeGreaterThan(0);
  }, 120_000);
});
