// How a policy is named in messages, maps and the `policy` field of decisions.
import type { PolicyKey } from './types.js';

/** `namespace/name` for a CiliumNetworkPolicy, `name` for a clusterwide one. */
export function policyKeyString(key: PolicyKey): string {
  return key.namespace === null ? key.name : `${key.namespace}/${key.name}`;
}

export function sameKey(a: PolicyKey, b: PolicyKey): boolean {
  return a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}
