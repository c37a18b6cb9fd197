// src/pipeline: the RxJS wiring between the DNS proxy, the FQDN cache and the datapath maps.
//
// In:  DnsExchange values (through onAnswer, answer held), per-endpoint policies (setPolicy),
//      clock ticks (an injected scheduler), conntrack liveness (isInUse).
// Out: allowlist map writes through the injected AllowlistWriter (puts, then deletes), the held
//      answer released or failed once its endpoint's write finished, and fqdn.allowed /
//      fqdn.expired / allowlist.write-failed events, each with the DNS event that caused it.
export { createFqdnPipeline, type FqdnPipeline, type FqdnPipelineOptions } from './fqdnPipeline.js';
export { fromEndpointPolicy, toPortRanges, type ResolvedEndpointPolicy, type SelectorFunctions } from './policyAdapter.js';
export { reduceStep } from './reduceStep.js';
export { expiryTicks } from './operators/expiryTicks.js';
export { reduceInputs } from './operators/reduceInputs.js';
export { writeAllowlists } from './operators/writeAllowlists.js';
export type {
  AllowlistWriteFailedEvent,
  AllowlistWriter,
  EndpointAllowlistPolicy,
  FqdnAllowedEvent,
  FqdnExpiredEvent,
  PipelineEvent,
  PipelineInput,
  ReducedStep,
  RestoredAddress,
} from './types.js';
