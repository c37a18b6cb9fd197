import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../errors.js';
import { MetricsRegistry } from './registry.js';

describe('api > metrics > registry', () => {
  it('renders counters and gauges with HELP, TYPE and escaped labels, in definition order', () => {
    const r = new MetricsRegistry();
    const flows = r.counter({ name: 'x_flows_total', help: 'Flows by verdict.\nSecond "line".', labelNames: ['verdict', 'drop_reason'] });
    const lag = r.gauge({ name: 'x_lag', help: 'Lag.' });
    flows.inc({ verdict: 'forwarded', drop_reason: '' });
    flows.inc({ verdict: 'forwarded', drop_reason: '' }, 2);
    flows.inc({ verdict: 'dropped', drop_reason: 'a"b\\c\nd' });
    lag.set(7);
    lag.add(-2);
    expect(r.expose()).toBe(
      [
        '# HELP x_flows_total Flows by verdict.\\nSecond "line".',
        '# TYPE x_flows_total counter',
        'x_flows_total{verdict="forwarded",drop_reason=""} 3',
        'x_flows_total{verdict="dropped",drop_reason="a\\"b\\\\c\\nd"} 1',
        '# HELP x_lag Lag.',
        '# TYPE x_lag gauge',
        'x_lag 5',
        '',
      ].join('\n'),
    );
  });

  it('shows label-less metrics at 0 before any update, labelled ones without samples', () => {
    const r = new MetricsRegistry();
    r.counter({ name: 'x_lost_total', help: 'Lost.' });
    r.gauge({ name: 'x_fill', help: 'Fill.', labelNames: ['map'] });
    expect(r.expose()).toBe('# HELP x_lost_total Lost.\n# TYPE x_lost_total counter\nx_lost_total 0\n# HELP x_fill Fill.\n# TYPE x_fill gauge\n');
  });

  it('renders histogram buckets cumulative, a value on a bound in that bucket, and +Inf equal to count', () => {
    const r = new MetricsRegistry();
    const h = r.histogram({ name: 'x_latency_seconds', help: 'Latency.', labelNames: ['kind'], buckets: [0.001, 0.01, 0.1] });
    for (const v of [0.0005, 0.001, 0.005, 0.05, 3]) h.observe({ kind: 'udp' }, v);
    expect(r.expose().split('\n')).toEqual([
      '# HELP x_latency_seconds Latency.',
      '# TYPE x_latency_seconds histogram',
      'x_latency_seconds_bucket{kind="udp",le="0.001"} 2',
      'x_latency_seconds_bucket{kind="udp",le="0.01"} 3',
      'x_latency_seconds_bucket{kind="udp",le="0.1"} 4',
      'x_latency_seconds_bucket{kind="udp",le="+Inf"} 5',
      `x_latency_seconds_sum{kind="udp"} ${0.0005 + 0.001 + 0.005 + 0.05 + 3}`,
      'x_latency_seconds_count{kind="udp"} 5',
      '',
    ]);
  });

  it('counter sync adopts a larger total and never goes back', () => {
    const r = new MetricsRegistry();
    const lost = r.counter({ name: 'x_ring_lost_total', help: 'Lost.' });
    lost.sync(10);
    lost.sync(4);
    lost.inc();
    expect(lost.get()).toBe(11);
  });

  it('refuses bad names, duplicate metrics, wrong labels, negative increments and bad buckets', () => {
    const r = new MetricsRegistry();
    const c = r.counter({ name: 'x_c_total', help: 'C.', labelNames: ['a'] });
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return isSluiceError(err, 'ERR_METRICS') ? err.message : `other: ${String(err)}`;
      }
      return 'no error';
    };
    expect(codeOf(() => r.counter({ name: 'x-bad', help: '' }))).toBe("metric name 'x-bad' is not valid");
    expect(codeOf(() => r.gauge({ name: 'x_g', help: '', labelNames: ['__x'] }))).toBe("x_g: label name '__x' is not valid");
    expect(codeOf(() => r.counter({ name: 'x_c_total', help: '' }))).toBe('metric x_c_total is defined twice');
    expect(codeOf(() => c.inc({ a: 'x', b: 'y' } as { a: string }))).toBe('x_c_total: unknown labels in a, b (has a)');
    expect(codeOf(() => c.inc({} as { a: string }))).toBe("x_c_total: label 'a' must be a string");
    expect(codeOf(() => c.inc({ a: 'x' }, -1))).toBe('x_c_total: a counter cannot go down (inc by -1)');
    expect(codeOf(() => r.histogram({ name: 'x_h', help: '', buckets: [1, 1] }))).toBe('x_h: buckets must be finite and strictly increasing');
    expect(codeOf(() => r.histogram({ name: 'x_h2', help: '', labelNames: ['le'], buckets: [1] }))).toBe("x_h2: 'le' is reserved in histograms");
  });

  it('runs collectors before a scrape and reports failing ones without failing the scrape', async () => {
    const r = new MetricsRegistry();
    const fill = r.gauge({ name: 'x_map_entries', help: 'Entries.', labelNames: ['map'] });
    let entries = 3;
    r.onCollect(() => fill.set({ map: 'allowlist' }, entries));
    r.onCollect(async () => {
      throw new Error('map gone');
    });
    entries = 9;
    const { text, errors } = await r.collect();
    expect(text).toContain('x_map_entries{map="allowlist"} 9\n');
    expect(errors.map((e) => (e as Error).message)).toEqual(['map gone']);
  });
});
