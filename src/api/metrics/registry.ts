// A metrics registry: metrics in the order they were defined, collectors run before each scrape
// (for values read on demand, such as map fill), and the whole registry as one exposition text.
import { SluiceError } from '../../errors.js';
import { Counter } from './counter.js';
import { Gauge } from './gauge.js';
import { Histogram, type HistogramOptions } from './histogram.js';
import type { Metric, MetricOptions } from './metric.js';

/** Refreshes gauges or syncs counters from their source just before a scrape. */
export type CollectFn = () => void | Promise<void>;

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric<string, unknown>>();
  private readonly collectors: CollectFn[] = [];

  private add<M extends Metric<string, unknown>>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new SluiceError('ERR_METRICS', `metric ${metric.name} is defined twice`);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  counter<const L extends string = never>(options: MetricOptions<L>): Counter<L> {
    return this.add(new Counter<L>(options));
  }

  gauge<const L extends string = never>(options: MetricOptions<L>): Gauge<L> {
    return this.add(new Gauge<L>(options));
  }

  histogram<const L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
    return this.add(new Histogram<L>(options));
  }

  onCollect(fn: CollectFn): void {
    this.collectors.push(fn);
  }

  /**
   * Runs the collectors, then renders every metric. A failing collector does not fail the scrape
   * (its metrics keep their last values): the errors come back for the caller's log.
   */
  async collect(): Promise<{ text: string; errors: unknown[] }> {
    const errors: unknown[] = [];
    for (const fn of this.collectors) {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    }
    return { text: this.expose(), errors };
  }

  /** The exposition text of every metric, without running collectors. */
  expose(): string {
    const lines: string[] = [];
    for (const m of this.metrics.values()) lines.push(...m.expose());
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }
}
