// What counters, gauges and histograms share: a name, help, label names, and one series per
// combination of label values. The label arguments are typed: a metric declared with labels
// ['verdict'] cannot be updated without a verdict, and a label-less one takes none.
import { SluiceError } from '../../errors.js';
import { escapeHelp, LABEL_NAME, METRIC_NAME } from './exposition.js';

export type Labels<L extends string> = Record<L, string>;
export type LabelArgs<L extends string> = [L] extends [never] ? [] : [labels: Labels<L>];

export interface MetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export abstract class Metric<L extends string, S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  // key: label values joined by NUL (never valid in a label value we would expose unescaped)
  protected readonly series = new Map<string, { values: string[]; state: S }>();

  constructor(options: MetricOptions<L>) {
    if (!METRIC_NAME.test(options.name)) throw new SluiceError('ERR_METRICS', `metric name '${options.name}' is not valid`);
    const labelNames = options.labelNames ?? [];
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l)) throw new SluiceError('ERR_METRICS', `${options.name}: label name '${l}' is not valid`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new SluiceError('ERR_METRICS', `${options.name}: duplicate label names`);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = labelNames;
  }

  protected abstract initial(): S;
  protected abstract samples(values: string[], state: S): string[];

  /**
   * Series by label value, one Map level per label name: the agent updates metrics for every
   * flow and DNS event, and finding a series this way makes no key string or array per update.
   */
  private readonly index = new Map<string, unknown>();
  private unlabelled: S | undefined;

  /** The state of the series named by `args` (the labels, if any), created on first use. */
  protected stateFor(args: readonly unknown[]): S {
    if (this.labelNames.length === 0) return (this.unlabelled ??= this.create([]));
    const labels = args[0] as Record<string, unknown> | undefined;
    if (labels === undefined || labels === null || typeof labels !== 'object') {
      throw new SluiceError('ERR_METRICS', `${this.name}: labels ${this.labelNames.join(', ')} are required`);
    }
    let level = this.index;
    const last = this.labelNames.length - 1;
    let found: unknown;
    for (let i = 0; i <= last; i++) {
      const v = labels[this.labelNames[i]!];
      if (typeof v !== 'string') throw new SluiceError('ERR_METRICS', `${this.name}: label '${this.labelNames[i]}' must be a string`);
      found = level.get(v);
      if (i === last) break;
      if (found === undefined) level.set(v, (found = new Map()));
      level = found as Map<string, unknown>;
    }
    let given = 0;
    for (const key in labels) if (Object.hasOwn(labels, key)) given++;
    if (given !== this.labelNames.length) {
      throw new SluiceError('ERR_METRICS', `${this.name}: unknown labels in ${Object.keys(labels).join(', ')} (has ${this.labelNames.join(', ')})`);
    }
    if (found !== undefined) return found as S;
    const state = this.create(this.labelNames.map((n) => labels[n] as string));
    level.set(labels[this.labelNames[last]!] as string, state);
    return state;
  }

  /** A new series with these label values, kept for exposition. */
  private create(values: string[]): S {
    const state = this.initial();
    this.series.set(values.join('\u0000'), { values, state });
    return state;
  }

  /** The lines of this metric in the text format, HELP and TYPE first. */
  expose(): string[] {
    // a label-less series always exists, so a scrape shows 0 rather than nothing
    if (this.labelNames.length === 0 && this.series.size === 0) this.stateFor([]);
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const { values, state } of this.series.values()) lines.push(...this.samples(values, state));
    return lines;
  }

  /** Forget every labelled series (e.g. maps that no longer exist); label-less ones go back to 0. */
  reset(): void {
    this.series.clear();
    this.index.clear();
    this.unlabelled = undefined;
  }
}
