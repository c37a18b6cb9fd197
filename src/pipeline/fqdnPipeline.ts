// The composition: DNS exchanges, policy changes and expiry ticks -> reducer -> allowlist writes
// -> events, with each held DNS answer released (its onAnswer promise settled) only after the
// asking endpoint's allowlist write finished.
import { asyncScheduler, merge, Subject, type Observable, type SchedulerLike, share } from 'rxjs';
import type { DnsExchange } from '../dns/index.js';
import { answerChangesNothing, type FqdnCacheOptions, type IsInUse } from '../fqdn/index.js';
import { expiryTicks } from './operators/expiryTicks.js';
import { reduceInputs } from './operators/reduceInputs.js';
import { writeAllowlists } from './operators/writeAllowlists.js';
import type { AllowlistWriter, EndpointAllowlistPolicy, PipelineEvent, PipelineInput, ReducerState, RestoredAddress } from './types.js';

export interface FqdnPipelineOptions {
  writer: AllowlistWriter;
  /** Conntrack liveness, for the expiry grace. */
  isInUse: IsInUse;
  cache?: Partial<FqdnCacheOptions>;
  /** How often expiry runs. Default 1000 ms. */
  expiryPeriodMs?: number;
  /** Drives expiry ticks and event times; tests pass a TestScheduler or VirtualTimeScheduler. */
  scheduler?: SchedulerLike;
  /** Replaces the timer as the source of ticks (tests that want to choose each tick). */
  ticks?: Observable<PipelineInput>;
}

export interface FqdnPipeline {
  /** Give this to the DNS proxy as onAnswer: undefined when the answer was settled at once. */
  onAnswer(exchange: DnsExchange): Promise<void> | undefined;
  /**
   * An answer the proxy released already, its addresses being programmed: folded into the cache
   * like any other (its expiry may move, which is written and logged), but nobody waits for it.
   */
  onReleased(exchange: DnsExchange): void;
  setPolicy(endpointId: number, policy: EndpointAllowlistPolicy | undefined): void;
  /** Puts addresses known before a restart back (same expiry, no new events); resolves once written. */
  restore(entries: readonly RestoredAddress[], now: number): Promise<void>;
  /** Resolves once every write queued before it is done (rejects with the first failure). */
  flush(): Promise<void>;
  /** fqdn.allowed, fqdn.expired and allowlist.write-failed; subscribe once to start the pipeline. */
  readonly events$: Observable<PipelineEvent>;
  stop(): void;
}

export function createFqdnPipeline(options: FqdnPipelineOptions): FqdnPipeline {
  const scheduler = options.scheduler ?? asyncScheduler;
  const inputs = new Subject<PipelineInput>();
  const ticks = options.ticks ?? expiryTicks(options.expiryPeriodMs ?? 1_000, scheduler);
  let state: ReducerState | undefined;
  const events$ = merge(inputs, ticks).pipe(
    reduceInputs(options.isInUse, options.cache, (s) => (state = s)),
    writeAllowlists(options.writer, () => scheduler.now()),
    share(),
  );
  return {
    onAnswer: (exchange) => {
      // Settled during next() when the answer changes nothing (writeAllowlists' idle path): then
      // no promise is made, and the proxy releases the answer at once.
      let outcome: { err: unknown } | undefined;
      let later: ((err: unknown) => void) | undefined;
      inputs.next({ kind: 'answer', exchange, settle: (err) => (later === undefined ? (outcome = { err }) : later(err)) });
      if (outcome === undefined) {
        return new Promise<void>((resolve, reject) => {
          later = (err) => (err === undefined ? resolve() : reject(err));
        });
      }
      return outcome.err === undefined ? undefined : Promise.reject(outcome.err);
    },
    onReleased: (exchange) => {
      const { answer } = exchange;
      // Most are repeats that move no expiry: answered here, without a step through the operators.
      if (state !== undefined && answer.ttlSec !== undefined) {
        const now = exchange.answeredAt;
        if (answerChangesNothing(state.cache, { endpointId: exchange.endpointId, name: exchange.question.qname, addresses: answer.addresses.map((a) => a.ip), ttlSec: answer.ttlSec, dnsEventId: exchange.dnsEventId }, now)) {
          state.now = Math.max(state.now, now);
          return;
        }
      }
      inputs.next({ kind: 'answer', exchange, settle: () => undefined });
    },
    setPolicy: (endpointId, policy) => inputs.next({ kind: 'policy', endpointId, policy }),
    restore: (entries, now) => new Promise<void>((resolve, reject) => {
      inputs.next({ kind: 'restore', entries, now, settle: (err) => (err === undefined ? resolve() : reject(err)) });
    }),
    flush: () => new Promise<void>((resolve, reject) => {
      inputs.next({ kind: 'barrier', settle: (err) => (err === undefined ? resolve() : reject(err)) });
    }),
    events$,
    stop: () => inputs.complete(),
  };
}
