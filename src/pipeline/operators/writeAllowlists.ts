// Operator: programs each step's desired allowlists through the writer and emits the events
// whose writes succeeded. Writes of one endpoint run one after another (a per-endpoint promise
// chain), different endpoints in parallel. The diff is taken at write time against what was last
// written successfully, so a failed write is repaired by the next one. A DNS answer is settled
// once the asking endpoint's write is done: resolved (release it) or rejected (SERVFAIL).
import { from, mergeMap, type OperatorFunction } from 'rxjs';
import { diffAllowlist, portRulesKey, type AllowlistEntry } from '../../fqdn/index.js';
import { isSluiceError } from '../../errors.js';
import type { AllowlistWriter, PipelineEvent, ReducedStep } from '../types.js';

/** A patch of no entries: nothing to write, unless the endpoint needs a repair. */
const isEmptyPatch = (desired: ReducedStep['desired'] extends Map<number, infer D> ? D : never): boolean =>
  typeof desired === 'object' && !Array.isArray(desired) && !(desired instanceof Error) && desired.patch.size === 0;

export function writeAllowlists(writer: AllowlistWriter, now: () => number): OperatorFunction<ReducedStep, PipelineEvent> {
  // what was last written successfully, by prefix; absent after a failed write (unknown)
  const programmed = new Map<number, Map<string, AllowlistEntry>>();
  const failed = new Set<number>();
  const tails = new Map<number, Promise<void>>();

  const writeFull = async (endpointId: number, desired: AllowlistEntry[]) => {
    const before = programmed.get(endpointId) ?? new Map<string, AllowlistEntry>();
    const { puts, deletes } = diffAllowlist([...before.values()], desired);
    if (puts.length > 0 || deletes.length > 0) await writer.apply(endpointId, puts, deletes);
    if (desired.length === 0) programmed.delete(endpointId);
    else programmed.set(endpointId, new Map(desired.map((entry) => [entry.prefix, entry])));
  };

  const writePatch = async (endpointId: number, patch: Map<string, AllowlistEntry | null>) => {
    const current = programmed.get(endpointId) ?? new Map<string, AllowlistEntry>();
    const puts: AllowlistEntry[] = [];
    const deletes: string[] = [];
    for (const [prefix, entry] of patch) {
      const had = current.get(prefix);
      if (entry === null) {
        if (had !== undefined) deletes.push(prefix);
      } else if (had === undefined || portRulesKey(had.rules) !== portRulesKey(entry.rules)) {
        puts.push(entry);
      }
    }
    if (puts.length > 0 || deletes.length > 0) await writer.apply(endpointId, puts, deletes);
    for (const entry of puts) current.set(entry.prefix, entry);
    for (const prefix of deletes) current.delete(prefix);
    if (current.size > 0) programmed.set(endpointId, current);
  };

  const enqueue = (endpointId: number, desired: ReducedStep['desired'] extends Map<number, infer D> ? D : never): Promise<void> => {
    const run = async () => {
      if (desired === 'unchanged') return;
      if (desired instanceof Error) throw desired;
      try {
        if (Array.isArray(desired)) await writeFull(endpointId, desired);
        else if (!failed.has(endpointId)) await writePatch(endpointId, desired.patch);
        else {
          // after a failure only a whole allowlist, from the state as it is now, repairs the map
          const full = desired.full();
          if (full instanceof Error) throw full;
          await writeFull(endpointId, full);
        }
        failed.delete(endpointId);
      } catch (err) {
        failed.add(endpointId);
        throw err;
      }
    };
    const result = (tails.get(endpointId) ?? Promise.resolve()).then(run);
    const tail = result.catch(() => undefined);
    tails.set(endpointId, tail);
    // Forget idle endpoints so the map does not grow with every endpoint ever seen.
    void tail.then(() => {
      if (tails.get(endpointId) === tail) tails.delete(endpointId);
    });
    return result;
  };

  const handle = async (step: ReducedStep): Promise<PipelineEvent[]> => {
    const causeId = step.input.kind === 'answer' ? step.input.exchange.dnsEventId : null;
    const out: PipelineEvent[] = [];
    const writes = [...step.desired].map(async ([endpointId, desired]) => {
      try {
        await enqueue(endpointId, desired);
        out.push(...(step.events.get(endpointId) ?? []));
      } catch (err) {
        out.push({
          type: 'allowlist.write-failed',
          causeId,
          timeMs: now(),
          data: { endpointId, code: isSluiceError(err) ? err.code : 'ERR_MAP_UPDATE', message: err instanceof Error ? err.message : String(err) },
        });
        throw err;
      }
    });
    const results = await Promise.allSettled(writes);
    if (step.input.kind === 'answer') {
      const asking = [...step.desired.keys()].indexOf(step.input.exchange.endpointId);
      const outcome = results[asking];
      step.input.settle(outcome?.status === 'rejected' ? outcome.reason : undefined);
    } else if (step.input.kind === 'restore' || step.input.kind === 'barrier') {
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      step.input.settle(failed?.reason);
    }
    return out;
  };

  /**
   * Most answers change nothing (a known name answered again): when every endpoint of the step
   * is 'unchanged' and has no write in progress, the step is done now. Settling and emitting in
   * the same call spares each such answer a chain of promises, a large share of a query's cost
   * under load.
   */
  const handleIdle = (step: ReducedStep): PipelineEvent[] | undefined => {
    for (const [endpointId, desired] of step.desired) {
      const nothingToWrite = desired === 'unchanged' || (isEmptyPatch(desired) && !failed.has(endpointId));
      if (!nothingToWrite || tails.has(endpointId)) return undefined;
    }
    const out: PipelineEvent[] = [];
    for (const endpointId of step.desired.keys()) {
      const events = step.events.get(endpointId);
      if (events !== undefined) out.push(...events);
    }
    if ('settle' in step.input) step.input.settle(undefined);
    return out;
  };

  return (steps) => steps.pipe(mergeMap((step) => handleIdle(step) ?? from(handle(step)).pipe(mergeMap((events) => events))));
}
