// Pure: what apply or delete changes, per policy, in kubectl's words (created, configured,
// unchanged, deleted). The store compares documents too, so an unchanged policy is not rewritten.
import { isDeepStrictEqual } from 'node:util';
import { policyKeyString, type ParsedPolicy, type PolicyKey, type RepositoryState } from '../../../policy/index.js';

export interface PolicyChange extends PolicyKey {
  change: 'created' | 'configured' | 'unchanged' | 'deleted';
}

export function applyChanges(before: RepositoryState, policies: ParsedPolicy[]): PolicyChange[] {
  const stored = new Map(before.policies.map((s) => [policyKeyString(s.policy), s.policy.document]));
  return policies.map((p) => {
    const old = stored.get(policyKeyString(p));
    const change = old === undefined ? 'created' : isDeepStrictEqual(old, p.document) ? 'unchanged' : 'configured';
    return { kind: p.kind, namespace: p.namespace, name: p.name, change };
  });
}

export function deleteChanges(keys: PolicyKey[]): PolicyChange[] {
  return keys.map((k) => ({ kind: k.kind, namespace: k.namespace, name: k.name, change: 'deleted' }));
}
