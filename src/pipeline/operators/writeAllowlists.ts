// Operator: programs each step's desired allowlists through the writer and emits the events
// whose writes succeeded. Writes of one endpoint run one after another (a per-endpoint promise
// chain), different endpoints in parallel. The diff is taken at write time against what was last
// written successfully, so a failed write is repaired by the next one. A DNS answer is settled
// once the asking endpoint's write is done: resolved (release it) or rejected (SERVFAIL).
import { from, mergeMap, type OperatorFunction } from 'rxjs';
import { diffAllowlist, type AllowlistEntry } from '../../fqdn/index.js';
import { isSluiceError } from '../../errors.js';
import type { AllowlistWriter, PipelineEvent, ReducedStep } from '../types.js';

export function writeAllowlists(writer: AllowlistWriter, now: () => number): OperatorFunction<ReducedStep, PipelineEvent> {
  const programmed = new Map<number, AllowlistEntry[]>();
  const tails = new Map<number, Promise<void>>();

  const enqueue = (endpointId: number, desired: AllowlistEntry[] | Error | 'unchanged'): Promise<void> => {
    const run = async () => {
      if (desired === 'unchanged') return;
      if (desired instanceof Error) throw desired;
      const { puts, deletes } = diffAllowlist(programmed.get(endpointId) ?? [], desired);
      if (puts.length > 0 || deletes.length > 0) await writer.apply(endpointId, puts, deletes);
      if (desired.length === 0) programmed.delete(endpointId);
      else programmed.set(endpointId, desired);
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

  return (steps) => steps.pipe(mergeMap((step) => from(handle(step)).pipe(mergeMap((events) => events))));
}
