// A histogram with fixed upper bounds. Buckets are exposed cumulative (each `le` counts every
// observation at or below it) with a final `le="+Inf"` equal to `_count`, as Prometheus requires.
import { SluiceError } from '../../errors.js';
import { formatLabels, formatValue } from './exposition.js';
import { Metric, type LabelArgs, type MetricOptions } from './metric.js';

interface HistogramState {
  /** Non-cumulative counts per bucket; the last slot is the +Inf overflow. */
  counts: number[];
  sum: number;
  count: number;
}

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds, strictly increasing; +Inf is added. */
  buckets: readonly number[];
}

export class Histogram<L extends string = never> extends Metric<L, HistogramState> {
  readonly type = 'histogram';
  readonly buckets: readonly number[];

  constructor(options: HistogramOptions<L>) {
    const buckets = options.buckets.filter((b) => b !== Infinity);
    if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!))) {
      throw new SluiceError('ERR_METRICS', `${options.name}: buckets must be finite and strictly increasing`);
    }
    if ((options.labelNames ?? []).some((l) => l === 'le')) throw new SluiceError('ERR_METRICS', `${options.name}: 'le' is reserved in histograms`);
    super(options);
    this.buckets = buckets;
  }

  protected initial(): HistogramState {
    const n = this.buckets.length;
    return { counts: new Array<number>(n + 1).fill(0), sum: 0, count: 0 };
  }

  protected samples(values: string[], state: HistogramState): string[] {
    const names = [...this.labelNames, 'le'];
    const lines: string[] = [];
    let cumulative = 0;
    this.buckets.forEach((bound, i) => {
      cumulative += state.counts[i]!;
      lines.push(`${this.name}_bucket${formatLabels(names, [...values, formatValue(bound)])} ${cumulative}`);
    });
    lines.push(`${this.name}_bucket${formatLabels(names, [...values, '+Inf'])} ${state.count}`);
    lines.push(`${this.name}_sum${formatLabels(this.labelNames, values)} ${formatValue(state.sum)}`);
    lines.push(`${this.name}_count${formatLabels(this.labelNames, values)} ${state.count}`);
    return lines;
  }

  observe(...args: [...LabelArgs<L>, value: number]): void {
    const value = args[args.length - 1] as number;
    if (Number.isNaN(value)) throw new SluiceError('ERR_METRICS', `${this.name}: cannot observe NaN`);
    const state = this.stateFor(args);
    let i = this.buckets.findIndex((b) => value <= b);
    if (i === -1) i = this.buckets.length;
    state.counts[i]! += 1;
    state.sum += value;
    state.count += 1;
  }
}
