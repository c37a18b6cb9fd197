import { constants } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { GC_KINDS, GcPauses } from './gcPauses.js';

describe('GcPauses', () => {
  it('adds pauses up by kind, in seconds, and ignores kinds it does not know', () => {
    const gc = new GcPauses();
    gc.record(constants.NODE_PERFORMANCE_GC_MINOR, 2);
    gc.record(constants.NODE_PERFORMANCE_GC_MINOR, 3);
    gc.record(constants.NODE_PERFORMANCE_GC_MAJOR, 40);
    gc.record(999, 1000);
    expect(gc.totals[GC_KINDS.indexOf('minor')]).toEqual([2, 0.005]);
    expect(gc.totals[GC_KINDS.indexOf('major')]).toEqual([1, 0.04]);
    expect(gc.totals[GC_KINDS.indexOf('incremental')]).toEqual([0, 0]);
    expect(gc.totals.reduce((n, [count]) => n + count, 0)).toBe(3);
  });

  it("sees this thread's real collections", async () => {
    const gc = new GcPauses().start();
    try {
      // short-lived garbage until V8 has collected its young generation at least once
      let keep = 0;
      for (let round = 0; round < 200 && gc.totals[0]![0] === 0; round++) {
        for (let i = 0; i < 100_000; i++) keep += [i, { i }].length;
        await new Promise((r) => setImmediate(r)); // observer callbacks run between turns
      }
      expect(keep).toBeGreaterThan(0);
      expect(gc.totals[GC_KINDS.indexOf('minor')]![0]).toBeGreaterThan(0);
      expect(gc.totals[GC_KINDS.indexOf('minor')]![1]).toBeGreaterThan(0);
    } finally {
      gc.stop();
    }
  });
});
