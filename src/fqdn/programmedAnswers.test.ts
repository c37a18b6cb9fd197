import { describe, expect, it } from 'vitest';
import { countRemovals, countRemoveAll, ProgrammedAnswers, REMOVAL_COUNTERS, REMOVAL_SLOTS, removalSlot } from './programmedAnswers.js';

const A = '192.0.2.1/32';
const B = '2001:db8::1/128';
const NOW = 1_000_000;

/** The two sides as the agent wires them: main counts removals in `shared`, the copy reads them. */
function sides(options: { marginMs?: number; maxEntries?: number } = {}) {
  const shared = new Int32Array(REMOVAL_COUNTERS);
  const copy = new ProgrammedAnswers(options);
  return {
    copy,
    counts: (i: number) => Atomics.load(shared, i),
    /** main: count the removal now; the returned function is the copy applying it later */
    remove: (endpointId: number, prefixes: string[]) => {
      countRemovals(shared, endpointId, prefixes);
      return () => copy.forget(endpointId, prefixes);
    },
    removeAll: () => {
      const seq = countRemoveAll(shared);
      return () => copy.forgetAll(seq);
    },
    /** an answer held, sent to main, programmed and settled */
    settle: (endpointId: number, name: string, prefixes: string[], until: number) => copy.add(endpointId, name, prefixes, until, copy.mark(endpointId, prefixes)),
  };
}

describe('fqdn > programmed answers (the proxy thread copy)', () => {
  it('vouches for an answer only when every address is programmed for that endpoint and name, before the margin', () => {
    const { copy, counts, settle } = sides({ marginMs: 1_000 });
    expect(copy.covers(1, 'api.test', [A], NOW, counts)).toBe(false);
    expect(settle(1, 'api.test', [A, B], NOW + 30_000)).toBe(true);
    expect(copy.covers(1, 'api.test', [A, B], NOW, counts)).toBe(true);
    expect(copy.covers(1, 'api.test', [A], NOW, counts)).toBe(true);
    // another name, another endpoint, an address not programmed
    expect(copy.covers(1, 'www.test', [A], NOW, counts)).toBe(false);
    expect(copy.covers(2, 'api.test', [A], NOW, counts)).toBe(false);
    expect(copy.covers(1, 'api.test', [A, '192.0.2.9/32'], NOW, counts)).toBe(false);
    // within the margin of the expiry, and past it
    expect(copy.covers(1, 'api.test', [A], NOW + 29_000, counts)).toBe(true);
    expect(copy.covers(1, 'api.test', [A], NOW + 29_001, counts)).toBe(false);
    // an answer without addresses is never vouched for here
    expect(copy.covers(1, 'api.test', [], NOW, counts)).toBe(false);
  });

  it('keeps the later expiry of two adds', () => {
    const { copy, counts, settle } = sides({ marginMs: 0 });
    settle(1, 'api.test', [A], NOW + 30_000);
    settle(1, 'api.test', [A], NOW + 10_000);
    expect(copy.covers(1, 'api.test', [A], NOW + 20_000, counts)).toBe(true);
    expect(copy.size).toBe(1);
  });

  it('vouches for no prefix main is removing until the copy has applied it; the other prefixes stay vouched for', () => {
    const { copy, counts, settle, remove } = sides({ marginMs: 0 });
    settle(1, 'api.test', [A], NOW + 30_000);
    settle(1, 'www.test', [B], NOW + 30_000);
    // main counted a removal of A and is about to delete it; the message is on its way
    const applyRemoval = remove(1, [A]);
    expect(copy.covers(1, 'api.test', [A], NOW, counts)).toBe(false);
    expect(copy.covers(1, 'www.test', [B], NOW, counts)).toBe(true);
    applyRemoval();
    expect(copy.covers(1, 'api.test', [A], NOW, counts)).toBe(false);
    // programmed again later: vouched for again
    expect(settle(1, 'api.test', [A], NOW + 30_000)).toBe(true);
    expect(copy.covers(1, 'api.test', [A], NOW, counts)).toBe(true);
  });

  it('a policy change stops every release until the copy has applied it', () => {
    const { copy, counts, settle, removeAll } = sides({ marginMs: 0 });
    settle(7, 'api.test', [A], NOW + 30_000);
    const applyRemoval = removeAll();
    expect(copy.covers(7, 'api.test', [A], NOW, counts)).toBe(false);
    applyRemoval();
    expect(copy.size).toBe(0);
    expect(settle(7, 'api.test', [A], NOW + 30_000)).toBe(true);
    expect(copy.covers(7, 'api.test', [A], NOW, counts)).toBe(true);
  });

  it('forgets every name of a prefix that is deleted or rewritten', () => {
    const { copy, counts, settle, remove } = sides({ marginMs: 0 });
    settle(1, 'api.test', [A, B], NOW + 30_000);
    settle(1, 'cdn.test', [A], NOW + 30_000);
    settle(2, 'api.test', [A], NOW + 30_000);
    remove(1, [A])();
    expect(copy.covers(1, 'api.test', [A], NOW, counts)).toBe(false);
    expect(copy.covers(1, 'cdn.test', [A], NOW, counts)).toBe(false);
    expect(copy.covers(1, 'api.test', [B], NOW, counts)).toBe(true);
    expect(copy.covers(2, 'api.test', [A], NOW, counts)).toBe(true);
    expect(copy.size).toBe(2);
  });

  it('does not trust a settlement for a write that may predate a removal of one of its prefixes', () => {
    const { copy, counts, remove } = sides({ marginMs: 0 });
    // the answer went to main; main then removed A of endpoint 1, and that removal came back first
    const mark = copy.mark(1, [A, B]);
    const markOther = copy.mark(2, [A]);
    const markB = copy.mark(1, [B]);
    remove(1, [A])();
    expect(copy.add(1, 'api.test', [A, B], NOW + 30_000, mark)).toBe(false);
    expect(copy.covers(1, 'api.test', [A], NOW, counts)).toBe(false);
    // another endpoint's A, or this endpoint's other prefix, is not concerned
    expect(copy.add(2, 'api.test', [A], NOW + 30_000, markOther)).toBe(true);
    expect(copy.add(1, 'www.test', [B], NOW + 30_000, markB)).toBe(true);
    // an answer sent after the removal is trusted
    expect(copy.add(1, 'api.test', [A], NOW + 30_000, copy.mark(1, [A]))).toBe(true);
    expect(copy.covers(1, 'api.test', [A], NOW, counts)).toBe(true);
  });

  it('after a policy change, trusts only settlements of answers sent after it, for every endpoint', () => {
    const { copy, counts, removeAll } = sides({ marginMs: 0 });
    const before = copy.mark(7, [A]);
    removeAll()();
    expect(copy.add(7, 'api.test', [A], NOW + 30_000, before)).toBe(false);
    expect(copy.add(7, 'api.test', [A], NOW + 30_000, copy.mark(7, [A]))).toBe(true);
    expect(copy.covers(7, 'api.test', [A], NOW, counts)).toBe(true);
  });

  it('spreads (endpoint, prefix) pairs over the slots', () => {
    const used = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const slot = removalSlot(1 + (i % 7), `2001:db8:2::${i.toString(16)}/128`);
      expect(slot).toBeGreaterThanOrEqual(1);
      expect(slot).toBeLessThanOrEqual(REMOVAL_SLOTS);
      used.add(slot);
    }
    // 1000 keys into 4096 slots: about 890 distinct expected; a poor hash gives far fewer
    expect(used.size).toBeGreaterThan(850);
    expect(removalSlot(3, A)).toBe(removalSlot(3, A));
  });

  it('prunes what expired and stays within its bound', () => {
    const { copy, counts, settle } = sides({ marginMs: 0, maxEntries: 3 });
    settle(1, 'a.test', [A], NOW + 1_000);
    settle(1, 'b.test', [A, B], NOW + 60_000);
    copy.prune(NOW + 1_000);
    expect(copy.size).toBe(2);
    expect(copy.covers(1, 'b.test', [A, B], NOW + 2_000, counts)).toBe(true);
    // past the bound everything goes: dropping is always safe, the held path refills it
    settle(1, 'c.test', [A, B], NOW + 60_000);
    expect(copy.size).toBe(2);
    expect(copy.covers(1, 'b.test', [A], NOW, counts)).toBe(false);
    expect(copy.covers(1, 'c.test', [A, B], NOW, counts)).toBe(true);
  });
});
