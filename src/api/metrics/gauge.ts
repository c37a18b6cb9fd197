// A gauge: a value that goes up and down (map entries, log lag).
import { formatLabels, formatValue } from './exposition.js';
import { Metric, type LabelArgs } from './metric.js';

export class Gauge<L extends string = never> extends Metric<L, { value: number }> {
  readonly type = 'gauge';

  protected initial() {
    return { value: 0 };
  }

  protected samples(values: string[], state: { value: number }): string[] {
    return [`${this.name}${formatLabels(this.labelNames, values)} ${formatValue(state.value)}`];
  }

  set(...args: [...LabelArgs<L>, value: number]): void {
    this.stateFor(args).value = args[args.length - 1] as number;
  }

  add(...args: [...LabelArgs<L>, delta: number]): void {
    this.stateFor(args).value += args[args.length - 1] as number;
  }

  get(...args: LabelArgs<L>): number {
    return this.stateFor(args).value;
  }
}
