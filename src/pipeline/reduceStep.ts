// The pure heart of the pipeline: one input (a DNS answer, a clock tick, a policy change) applied
// to the FQDN cache and the endpoint policies, giving the desired allowlists of the endpoints it
// touched and the events to publish once they are programmed. The state is updated in place by
// its single owner (the scan in reduceInputs.ts).
import {
  applyDnsAnswer,
  computeAllowlist,
  expire,
  hostAllowlistEntries,
  selectedAddresses,
  selectedAddressesOf,
  sharedAddresses,
  type AllowlistEntry,
  type FqdnUpdate,
  type IsInUse,
} from '../fqdn/index.js';
import type { AllowlistPatch, FqdnExpiredEvent, PipelineEvent, PipelineInput, ReducedStep, ReducerState } from './types.js';

const iso = (ms: number) => new Date(ms).toISOString();

function desiredAllowlist(state: ReducerState, endpointId: number): AllowlistEntry[] | Error {
  const policy = state.policies.get(endpointId);
  if (policy === undefined) return [];
  try {
    // Only addresses within their TTL: an expired one that a connection still uses stays in the
    // cache (its name still labels the flows) but not in the allowlist, because the datapath's
    // conntrack keeps established connections going and new ones must be dropped.
    const live = selectedAddresses(state.cache, policy.fqdnSelectors).filter((a) => a.expiresAt > state.now);
    return computeAllowlist(policy.cidrRules, live);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * The entries of the given addresses' host prefixes only. Exact because a host prefix covers
 * nothing but itself: its entry depends on the CIDR rules and the grants of its own address,
 * all of which are passed to computeAllowlist here.
 */
function allowlistPatch(state: ReducerState, endpointId: number, ips: ReadonlySet<string>): AllowlistPatch | Error {
  const policy = state.policies.get(endpointId);
  const full = () => desiredAllowlist(state, endpointId);
  if (policy === undefined) return { patch: new Map(), full };
  try {
    const live = selectedAddressesOf(state.cache, policy.fqdnSelectors, ips).filter((a) => a.expiresAt > state.now);
    return { patch: hostAllowlistEntries(policy.cidrRules, live, ips), full };
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Endpoints whose toFQDNs selectors match any of the names. */
function selectingEndpoints(state: ReducerState, names: ReadonlySet<string>): number[] {
  const endpoints: number[] = [];
  for (const [endpointId, policy] of state.policies) {
    if (policy.fqdnSelectors.some((selector) => [...names].some((name) => selector.matches(name)))) endpoints.push(endpointId);
  }
  return endpoints;
}

const expiryReason = (update: FqdnUpdate): FqdnExpiredEvent['data']['reason'] =>
  (update.type === 'expired' || update.type === 'deferred') && update.reason !== 'ttl' ? 'evicted' : 'ttl';

/** The address left the allowlist earlier (when it was deferred): no second event. */
const alreadyAnnounced = (update: FqdnUpdate) =>
  update.type === 'expired' && (update.reason === 'connection-ended' || update.reason === 'zombie-overflow');

export function reduceStep(state: ReducerState, input: PipelineInput, isInUse: IsInUse): ReducedStep {
  const step: ReducedStep = { input, desired: new Map(), events: new Map() };
  const push = (endpointId: number, event: PipelineEvent) => step.events.set(endpointId, [...(step.events.get(endpointId) ?? []), event]);

  if (input.kind === 'policy') {
    if (input.policy === undefined) state.policies.delete(input.endpointId);
    else state.policies.set(input.endpointId, input.policy);
    step.desired.set(input.endpointId, desiredAllowlist(state, input.endpointId));
    return step;
  }

  if (input.kind === 'barrier') {
    // every endpoint's queue: settles once all earlier writes are done
    for (const endpointId of state.policies.keys()) step.desired.set(endpointId, 'unchanged');
    return step;
  }

  if (input.kind === 'restore') {
    // what the log says was allowed before a restart: back into the cache with the same expiry and
    // cause, and into the allowlists; no events, they are in the log already
    state.now = Math.max(state.now, input.now);
    const names = new Set<string>();
    for (const e of input.entries) {
      if (e.expiresAt <= input.now) continue;
      applyDnsAnswer(state.cache, { endpointId: e.endpointId, name: e.name, addresses: [e.ip], ttlSec: (e.expiresAt - input.now) / 1000, dnsEventId: e.dnsEventId }, input.now, isInUse);
      names.add(e.name);
    }
    for (const endpointId of selectingEndpoints(state, names)) step.desired.set(endpointId, desiredAllowlist(state, endpointId));
    return step;
  }

  let updates: FqdnUpdate[];
  let now: number;
  if (input.kind === 'answer') {
    const { exchange } = input;
    now = exchange.answeredAt;
    state.now = Math.max(state.now, now);
    const { answer } = exchange;
    updates = answer.ttlSec === undefined
      ? []
      : applyDnsAnswer(
          state.cache,
          { endpointId: exchange.endpointId, name: exchange.question.qname, addresses: answer.addresses.map((a) => a.ip), ttlSec: answer.ttlSec, dnsEventId: exchange.dnsEventId },
          now,
          isInUse,
        ).updates;
    // The asking endpoint is always part of the step, so its answer waits for its queue (an
    // earlier answer with the same addresses may still be being written) and, when the
    // endpoint's last write failed, for a repair: the cache may then hold these addresses while
    // the map does not, and the answer must not be released on the cache's word.
    const endpointId = exchange.endpointId;
    step.desired.set(endpointId, { patch: new Map(), full: () => desiredAllowlist(state, endpointId) });
  } else {
    now = input.now;
    state.now = Math.max(state.now, now);
    updates = expire(state.cache, now, isInUse).updates;
  }

  // Only a new (name, address) pair or a dropped one changes allowlists; a refreshed expiry or a
  // deferral does not. Skipping the recomputation keeps repeated lookups of known names cheap.
  const changing = updates.filter((u) => (u.type === 'learned' && !u.refreshed) || u.type === 'expired' || u.type === 'deferred');
  const changedNames = new Set(changing.map((u) => u.name));
  // Answers and expiry change host prefixes only (learned, expired, evicted addresses): patching
  // their entries is exact, where recomputing the whole allowlist costs O(cached addresses) per
  // answer, which once an endpoint's name cache is full (every new name evicts one) was
  // milliseconds per answer.
  const changedIps = new Set(changing.map((u) => u.ip));
  for (const endpointId of selectingEndpoints(state, changedNames)) {
    step.desired.set(endpointId, allowlistPatch(state, endpointId, changedIps));
  }
  const names = new Set(updates.map((update) => update.name));
  for (const endpointId of selectingEndpoints(state, names)) {
    // Events ride on the endpoint's write queue, so they follow its earlier writes.
    if (!step.desired.has(endpointId)) step.desired.set(endpointId, 'unchanged');
    const selectors = state.policies.get(endpointId)?.fqdnSelectors ?? [];
    for (const update of updates) {
      const matching = selectors.filter((selector) => selector.matches(update.name));
      if (matching.length === 0) continue;
      if (update.type === 'learned') {
        for (const selector of matching) {
          push(endpointId, {
            type: 'fqdn.allowed',
            causeId: update.dnsEventId,
            timeMs: now,
            data: { endpointId, name: update.name, ip: update.ip, selector: selector.selector, expiresAt: iso(update.expiresAt), ttlSec: update.ttlSec, dnsEventId: update.dnsEventId },
          });
        }
      } else if ((update.type === 'expired' || update.type === 'deferred') && !alreadyAnnounced(update)
        && !sharedAddresses(state.cache, update.name).some((a) => a.ip === update.ip && a.expiresAt > now)) {
        // Only when no endpoint holds the address within its TTL any more: until then the allowlist keeps it.
        push(endpointId, { type: 'fqdn.expired', causeId: update.dnsEventId, timeMs: now, data: { endpointId, name: update.name, ip: update.ip, reason: expiryReason(update) } });
      }
    }
  }
  return step;
}
