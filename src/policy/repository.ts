// The policy repository, pure: state in, state and events out. Each successful apply or delete
// bumps the revision once and yields one event per policy, ready for the policy-changes topic;
// replaying those events rebuilds the same state (the agent's state is a fold over the log).
import { SluiceError } from '../errors.js';
import { IssueCollector, policyInvalidError } from './issues.js';
import { policyKeyString, sameKey } from './policyKey.js';
import { readPolicy } from './readPolicy.js';
import type { ParsedPolicy, PolicyEvent, PolicyKey, RepositoryState, StoredPolicy } from './types.js';

export interface RepositoryChange {
  state: RepositoryState;
  events: PolicyEvent[];
}

export function emptyRepository(): RepositoryState {
  return { revision: 0, policies: [] };
}

function byKey(a: StoredPolicy, b: StoredPolicy): number {
  const ka = `${a.policy.kind}\0${a.policy.namespace ?? ''}\0${a.policy.name}`;
  const kb = `${b.policy.kind}\0${b.policy.namespace ?? ''}\0${b.policy.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function keyOf(policy: PolicyKey): PolicyKey {
  return { kind: policy.kind, namespace: policy.namespace, name: policy.name };
}

/**
 * Adds or replaces the given policies, all at one new revision. The input must already be
 * validated (parsePolicies); two policies with the same key in one call are refused.
 */
export function applyPolicies(state: RepositoryState, policies: ParsedPolicy[]): RepositoryChange {
  if (policies.length === 0) return { state, events: [] };
  for (let i = 0; i < policies.length; i++) {
    for (let j = 0; j < i; j++) {
      if (sameKey(policies[i]!, policies[j]!)) {
        const p = policies[i]!;
        throw policyInvalidError([{ file: p.source.file, document: p.source.document, path: 'metadata.name', reason: `${p.kind} ${policyKeyString(p)} is given twice` }]);
      }
    }
  }
  const revision = state.revision + 1;
  const kept = state.policies.filter((stored) => !policies.some((p) => sameKey(p, stored.policy)));
  const added = policies.map((policy) => ({ policy, revision }));
  const events: PolicyEvent[] = policies.map((p) => ({ type: 'policy.applied', data: { ...keyOf(p), revision, document: p.document } }));
  return { state: { revision, policies: [...kept, ...added].sort(byKey) }, events };
}

/** Removes the given policies at one new revision; if any is missing, nothing changes. */
export function deletePolicies(state: RepositoryState, keys: PolicyKey[]): RepositoryChange {
  if (keys.length === 0) return { state, events: [] };
  const missing = keys.filter((k) => !state.policies.some((s) => sameKey(s.policy, k)));
  if (missing.length > 0) {
    const names = missing.map((k) => `${k.kind} ${policyKeyString(k)}`).join(', ');
    throw new SluiceError('ERR_POLICY_NOT_FOUND', `delete policy: not applied: ${names}`, { details: missing });
  }
  const revision = state.revision + 1;
  const removed = state.policies.filter((s) => keys.some((k) => sameKey(s.policy, k)));
  const events: PolicyEvent[] = removed.map((s) => ({ type: 'policy.deleted', data: { ...keyOf(s.policy), revision, document: s.policy.document } }));
  return { state: { revision, policies: state.policies.filter((s) => !removed.includes(s)) }, events };
}

export function listPolicies(state: RepositoryState): StoredPolicy[] {
  return [...state.policies];
}

/**
 * Folds one event into the state: how the agent rebuilds its policies from the log. The event's
 * document is validated again, so a log written by an older, laxer build cannot smuggle in a
 * policy this build would refuse.
 */
export function foldPolicyEvent(state: RepositoryState, event: PolicyEvent): RepositoryState {
  if (event.type === 'policy.deleted') {
    return { revision: event.data.revision, policies: state.policies.filter((s) => !sameKey(s.policy, event.data)) };
  }
  const issues = new IssueCollector({ file: `event revision ${event.data.revision}`, document: 0 });
  const policy = readPolicy(event.data.document, '', { file: `event revision ${event.data.revision}`, document: 0 }, issues);
  if (policy === undefined) throw policyInvalidError(issues.issues);
  const kept = state.policies.filter((s) => !sameKey(s.policy, policy));
  return { revision: event.data.revision, policies: [...kept, { policy, revision: event.data.revision }].sort(byKey) };
}
