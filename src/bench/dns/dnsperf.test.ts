import { describe, expect, it } from 'vitest';
import { parsePerQuery, sortedQuantileMs } from './dnsperf.js';
import { benchQueryLines, nameClass } from './queryMix.js';

// dnsperf 2.10 -v, as it prints (a lost query has no "> " line)
const output = `[Status] Sending queries (to 127.0.0.1:5399)
> NOERROR p1.bench.test A 0.000489
> NOERROR r7.bench.test AAAA 0.000251
> REFUSED nx.other.test A 0.000222
> NOERROR p12.bench.test AAAA 0.001500
[Status] Testing complete (end of file)

  Average Latency (s):  0.000320 (min 0.000222, max 0.000489)
`;

describe('bench > dns > dnsperf per-query output', () => {
  it('keeps every latency sorted, and splits them by the class of the name', () => {
    const { latenciesSec, latenciesByClass } = parsePerQuery(output, nameClass);
    expect(latenciesSec).toEqual([0.000222, 0.000251, 0.000489, 0.0015]);
    expect(latenciesByClass).toEqual({ popular: [0.000489, 0.0015], rare: [0.000251], other: [0.000222] });
    expect(parsePerQuery(output).latenciesByClass).toEqual({});
  });

  it('gives the nearest-rank quantile in milliseconds, and NaN for no latencies', () => {
    const xs = Array.from({ length: 100 }, (_, i) => (i + 1) / 1000);
    expect(sortedQuantileMs(xs, 0.5)).toBe(50);
    expect(sortedQuantileMs(xs, 0.99)).toBe(99);
    expect(sortedQuantileMs(xs, 1)).toBe(100);
    expect(sortedQuantileMs([], 0.5)).toBeNaN();
  });

  it('classes every name of the query mix as popular or rare', () => {
    const lines = benchQueryLines(10_000, 0);
    const classes = lines.map((line) => nameClass(line.split(' ')[0]!));
    expect(classes).not.toContain('other');
    // the mix's 10% of rare names, within the draw's spread
    const rare = classes.filter((c) => c === 'rare').length;
    expect(rare).toBeGreaterThan(800);
    expect(rare).toBeLessThan(1200);
  });
});
