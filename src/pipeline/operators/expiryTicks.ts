// Source: clock ticks that drive expiry. The scheduler is injected so tests run on virtual time;
// each tick carries the scheduler's own now, which the pure expire() takes as its argument.
import { interval, map, type Observable, type SchedulerLike } from 'rxjs';
import type { PipelineInput } from '../types.js';

export function expiryTicks(periodMs: number, scheduler: SchedulerLike): Observable<PipelineInput> {
  return interval(periodMs, scheduler).pipe(map(() => ({ kind: 'tick' as const, now: scheduler.now() })));
}
