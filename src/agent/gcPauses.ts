// Stop-the-world garbage collection pauses of one thread (V8 isolate), by kind, as running totals.
// The DNS proxy answers on its own thread: a pause there holds every query in flight, so its
// pauses are what a tail latency is made of. The proxy thread sends its totals with each batch;
// the main thread exposes both threads' as sluice_gc_pauses_total and sluice_gc_pause_seconds_total.
import { PerformanceObserver, constants } from 'node:perf_hooks';

export const GC_KINDS = ['minor', 'major', 'incremental', 'weakcb'] as const;
export type GcKind = (typeof GC_KINDS)[number];

const kindOf = new Map<number, GcKind>([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

/** Per kind in GC_KINDS order: [pauses, seconds paused]; plain numbers, so it crosses threads as is. */
export type GcTotals = [number, number][];

export class GcPauses {
  readonly totals: GcTotals = GC_KINDS.map(() => [0, 0]);
  private observer: PerformanceObserver | undefined;

  /** One pause of V8's `kind` (a perf_hooks NODE_PERFORMANCE_GC_* constant); unknown kinds are ignored. */
  record(kind: number, durationMs: number): void {
    const at = kindOf.get(kind);
    if (at === undefined) return;
    const t = this.totals[GC_KINDS.indexOf(at)]!;
    t[0]++;
    t[1] += durationMs / 1000;
  }

  /** Observes this thread's collections until stop(). */
  start(): this {
    this.observer ??= new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.record(((e as { detail?: { kind?: number } }).detail)?.kind ?? -1, e.duration);
    });
    this.observer.observe({ entryTypes: ['gc'] });
    return this;
  }

  stop(): void {
    this.observer?.disconnect();
    this.observer = undefined;
  }
}
