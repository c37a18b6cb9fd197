// A counter: only goes up. sync() is for totals kept elsewhere (the kernel's ring_lost, the DNS
// proxy's counters), read at scrape time: it adopts the larger value, so a source that restarts
// from zero (the agent reopened the ring) never makes the exposed counter go backwards.
import { SluiceError } from '../../errors.js';
import { formatLabels, formatValue } from './exposition.js';
import { Metric, type LabelArgs } from './metric.js';

export class Counter<L extends string = never> extends Metric<L, { value: number }> {
  readonly type = 'counter';

  protected initial() {
    return { value: 0 };
  }

  protected samples(values: string[], state: { value: number }): string[] {
    return [`${this.name}${formatLabels(this.labelNames, values)} ${formatValue(state.value)}`];
  }

  inc(...args: [...LabelArgs<L>, by?: number]): void {
    const by = (this.labelNames.length === 0 ? args[0] : args[1]) as number | undefined;
    if (by !== undefined && !(by >= 0)) throw new SluiceError('ERR_METRICS', `${this.name}: a counter cannot go down (inc by ${by})`);
    this.stateFor(args).value += by ?? 1;
  }

  sync(...args: [...LabelArgs<L>, total: number]): void {
    const total = args[args.length - 1] as number;
    const state = this.stateFor(args);
    if (total > state.value) state.value = total;
  }

  get(...args: LabelArgs<L>): number {
    return this.stateFor(args).value;
  }
}
