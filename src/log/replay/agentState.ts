// Agent state as a fold over the policy-changes topic: applied policies, endpoints and the FQDN
// allowlist (with each entry's expiry and the DNS answer behind it). applyEvent is deterministic
// and reads nothing but its arguments; it updates the state it is given in place, because replay
// folds millions of events and copying maps per event would make it quadratic. The live agent and
// replay share it, which is what makes "replay equals live" hold.
import type { Envelope } from '../envelope.js';
import { AllowList, type AllowEntry } from './allowList.js';
import type { EndpointAddedData, EventType, FqdnAllowedData, Labels, PolicyAppliedData } from '../events.js';

export interface PolicyState { name: string; namespace: string; kind: string; revision: number; document: unknown; appliedAt: string; eventId: string }
export interface EndpointState { id: number; name: string; namespace: string; labels: Labels; ipv4: string | null; ipv6: string | null; ifname: string; addedAt: string }
export type { AllowEntry };

export interface AgentState {
  /** Key `namespace/name`. */
  policies: Map<string, PolicyState>;
  endpoints: Map<number, EndpointState>;
  allowlist: AllowList;
  /** The last event folded in (seq and id), or null. */
  lastSeq: number | null;
  lastEventId: string | null;
  events: number;
}

export const createAgentState = (): AgentState => ({
  policies: new Map(), endpoints: new Map(), allowlist: new AllowList(), lastSeq: null, lastEventId: null, events: 0,
});

/** Folds one event in: what the live agent calls for each event it publishes. */
export function applyEvent(state: AgentState, e: Envelope): AgentState {
  foldEvent(state, e);
  state.lastEventId = e.id;
  return state;
}

export interface FoldOptions {
  /**
   * Replay through a chunk pool: an fqdn.allowed view keeps its text in the read buffer
   * (codec/keptAllowed.ts) until AllowList.materialize(). Only where the buffers outlive that.
   */
  keepAllowed?: boolean;
}

/**
 * applyEvent without `lastEventId`, for replay: reading the id of every event would decode a
 * string per event only to drop all but the last, so replay sets it once at the end.
 */
export function foldEvent(state: AgentState, e: Envelope, options: FoldOptions = {}): AgentState {
  state.events++;
  state.lastSeq = e.seq;
  switch (e.type as EventType) {
    case 'fqdn.allowed': {
      const keep = options.keepAllowed === true ? (e as { keepAllowed?: () => AllowEntry }).keepAllowed : undefined;
      if (keep !== undefined) {
        state.allowlist.set(keep.call(e));
        break;
      }
      const d = e.data as FqdnAllowedData;
      state.allowlist.set({
        endpointId: d.endpointId, name: d.name, ip: d.ip, selector: d.selector, expiresAt: d.expiresAt,
        ttlSec: d.ttlSec, dnsEventId: d.dnsEventId, eventId: e.id, allowedAt: e.time,
      });
      break;
    }
    case 'fqdn.expired': {
      const d = e.data as { endpointId: number; ip: string; name: string };
      state.allowlist.delete(d.endpointId, d.ip, d.name);
      break;
    }
    case 'policy.applied': {
      const d = e.data as PolicyAppliedData;
      state.policies.set(`${d.namespace}/${d.name}`, {
        name: d.name, namespace: d.namespace, kind: d.kind, revision: d.revision, document: d.document, appliedAt: e.time, eventId: e.id,
      });
      break;
    }
    case 'policy.deleted': {
      const d = e.data as { namespace: string; name: string };
      state.policies.delete(`${d.namespace}/${d.name}`);
      break;
    }
    case 'endpoint.added': {
      const d = e.data as EndpointAddedData;
      state.endpoints.set(d.id, { ...d, labels: { ...d.labels }, addedAt: e.time });
      break;
    }
    case 'endpoint.removed': {
      const id = (e.data as { id: number }).id;
      state.endpoints.delete(id);
      // The datapath drops an endpoint's allowlist with the endpoint; the agent also logs
      // fqdn.expired for each, but the state must not depend on those arriving.
      state.allowlist.deleteEndpoint(id);
      break;
    }
    default:
      break; // map.resync and unknown future types change no state
  }
  return state;
}

export interface AgentStateSnapshot {
  lastSeq: number | null;
  lastEventId: string | null;
  events: number;
  policies: PolicyState[];
  endpoints: EndpointState[];
  allowlist: AllowEntry[];
}

/** Plain, sorted JSON: what `sluice replay` prints and what tests compare. */
export function snapshotState(state: AgentState): AgentStateSnapshot {
  const byKey = <K>([a]: [K, unknown], [b]: [K, unknown]) => (a < b ? -1 : a > b ? 1 : 0);
  const sortedValues = <K, V>(m: Map<K, V>) => [...m.entries()].sort(byKey).map(([, v]) => v);
  return {
    lastSeq: state.lastSeq,
    lastEventId: state.lastEventId,
    events: state.events,
    policies: sortedValues(state.policies),
    endpoints: sortedValues(state.endpoints),
    allowlist: state.allowlist.sorted(),
  };
}
