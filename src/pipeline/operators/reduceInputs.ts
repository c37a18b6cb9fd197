// Operator: folds pipeline inputs into the reducer state and emits one step per input. The state
// is created per subscription, so a resubscription starts from an empty cache.
import { defer, type OperatorFunction, scan, map } from 'rxjs';
import { createFqdnCache, type FqdnCacheOptions, type IsInUse } from '../../fqdn/index.js';
import { reduceStep } from '../reduceStep.js';
import type { PipelineInput, ReducedStep, ReducerState } from '../types.js';

/** `onState`: told of each subscription's state, for synchronous reads by its owner (fqdnPipeline.ts). */
export function reduceInputs(isInUse: IsInUse, cacheOptions: Partial<FqdnCacheOptions> = {}, onState?: (state: ReducerState) => void): OperatorFunction<PipelineInput, ReducedStep> {
  return (inputs) =>
    defer(() => {
      const state: ReducerState = { cache: createFqdnCache(cacheOptions), policies: new Map(), now: 0 };
      onState?.(state);
      return inputs.pipe(
        scan((_: ReducedStep | undefined, input: PipelineInput) => reduceStep(state, input, isInUse), undefined),
        map((step) => step as ReducedStep),
      );
    });
}
