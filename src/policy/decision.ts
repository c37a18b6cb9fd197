// Building Decision values: one place for the wording of verdicts.
import { policyKeyString } from './policyKey.js';
import type { Decision, EndpointPolicy, RuleRef } from './types.js';

export function decided(verdict: Decision['verdict'], ref: RuleRef, reason: string): Decision {
  return { verdict, policy: policyKeyString(ref), rule: ref.path, ref, reason };
}

export function notEnforced(): Decision {
  return { verdict: 'allowed', policy: null, rule: null, ref: null, reason: 'the endpoint is not selected by any policy with egress rules: egress is not enforced' };
}

export function defaultDeny(ep: EndpointPolicy, what: string): Decision {
  const by = ep.selectedBy.map((k) => policyKeyString(k)).join(', ');
  return { verdict: 'denied', policy: null, rule: null, ref: null, reason: `no egress rule allows ${what}: default deny (egress enforced by ${by})` };
}

export function describeRef(ref: RuleRef): string {
  return `${ref.path} of ${ref.kind} ${policyKeyString(ref)}`;
}
