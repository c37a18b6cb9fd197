// The shapes that flow through the FQDN pipeline and the collaborators it is given.
import type { AllowlistEntry, CidrRule, FqdnCacheState, FqdnSelector } from '../fqdn/index.js';
import type { DnsExchange } from '../dns/index.js';

/** What the allowlist of one endpoint is computed from (see policyAdapter.ts for src/policy). */
export interface EndpointAllowlistPolicy {
  cidrRules: readonly CidrRule[];
  fqdnSelectors: readonly FqdnSelector[];
}

/** Writes one endpoint's allowlist changes into the datapath map; puts are applied before deletes. */
export interface AllowlistWriter {
  apply(endpointId: number, puts: readonly AllowlistEntry[], deletes: readonly string[]): Promise<void>;
}

/** An address the agent knew before it restarted (replayed from the log), with its original expiry. */
export interface RestoredAddress {
  endpointId: number;
  name: string;
  ip: string;
  /** Epoch ms. */
  expiresAt: number;
  dnsEventId: string;
}

export type PipelineInput =
  | { kind: 'restore'; entries: readonly RestoredAddress[]; now: number; settle: (err?: unknown) => void }
  | { kind: 'barrier'; settle: (err?: unknown) => void }
  | { kind: 'answer'; exchange: DnsExchange; settle: (err?: unknown) => void }
  | { kind: 'tick'; now: number }
  | { kind: 'policy'; endpointId: number; policy: EndpointAllowlistPolicy | undefined };

/** fqdn.allowed, shaped like src/log's draft: data plus the causing DNS event. */
export interface FqdnAllowedEvent {
  type: 'fqdn.allowed';
  causeId: string;
  timeMs: number;
  data: { endpointId: number; name: string; ip: string; selector: string; expiresAt: string; ttlSec: number; dnsEventId: string };
}

export interface FqdnExpiredEvent {
  type: 'fqdn.expired';
  causeId: string;
  timeMs: number;
  data: { endpointId: number; name: string; ip: string; reason: 'ttl' | 'evicted' | 'endpoint-removed' | 'policy-removed' };
}

/** A write that failed: the endpoint's map now lags the state until the next write succeeds. */
export interface AllowlistWriteFailedEvent {
  type: 'allowlist.write-failed';
  causeId: string | null;
  timeMs: number;
  data: { endpointId: number; code: string; message: string };
}

export type PipelineEvent = FqdnAllowedEvent | FqdnExpiredEvent | AllowlistWriteFailedEvent;

export interface ReducerState {
  cache: FqdnCacheState;
  policies: Map<number, EndpointAllowlistPolicy>;
  /** The time of the latest answer or tick: addresses whose TTL ran out by then leave the allowlist. */
  now: number;
}

/**
 * A change to some host entries of an endpoint's allowlist (prefix -> entry, or null when the
 * prefix has no entry of its own), for answers that taught new addresses: computing the whole
 * allowlist per answer costs O(every cached name), which is what limited the proxy's throughput.
 * `full` recomputes everything from the state at write time; the writer uses it when an earlier
 * write failed, so what was programmed is unknown and a patch is not enough.
 */
export interface AllowlistPatch {
  patch: Map<string, AllowlistEntry | null>;
  full(): AllowlistEntry[] | Error;
}

/** What one input changed: the allowlists to program and the events to publish once they are. */
export interface ReducedStep {
  input: PipelineInput;
  /**
   * Desired allowlist per endpoint, the error computing it (e.g. ERR_ALLOWLIST_OVERFLOW), or
   * 'unchanged' when the step only has to wait for the endpoint's earlier writes, or a patch.
   */
  desired: Map<number, AllowlistEntry[] | AllowlistPatch | Error | 'unchanged'>;
  /** Events to publish after the endpoint's write succeeded, keyed by endpoint. */
  events: Map<number, PipelineEvent[]>;
}
