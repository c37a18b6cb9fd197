// src/policy: CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy, pure (no I/O, no clock).
//
//   YAML text --parsePolicies--> ParsedPolicy[]           (or one ERR_POLICY_INVALID with every issue)
//   RepositoryState + ParsedPolicy[] --applyPolicies / deletePolicies--> { state, events }
//                                                          (policy.applied / policy.deleted, for src/log)
//   RepositoryState + Endpoint[] --resolveEndpointPolicies--> EndpointPolicy[]
//                                                          (CIDR allows/denies, FQDN selectors, DNS rules)
//   EndpointPolicy + query --decideDnsQuery--> Decision    (the DNS proxy, `policy trace`)
//   EndpointPolicy + connection --decideConnection--> Decision
//   selector + name --fqdnSelectorMatches--> boolean       (toFQDNs selection in src/fqdn, `fqdn match`)
//
// matchName/matchPattern follow current Cilium exactly; see matchPattern.ts for the rules.
export type * from './types.js';
export { ALL_PORTS } from './types.js';
export { parsePolicies, readPolicyFile, type PolicyFile } from './parsePolicies.js';
export { formatIssue, issuesOf, policyInvalidError } from './issues.js';
export { DEFAULT_NAMESPACE } from './readPolicy.js';
export { applyPolicies, deletePolicies, emptyRepository, foldPolicyEvent, listPolicies, type RepositoryChange } from './repository.js';
export { resolveEndpointPolicies, resolveEndpointPolicy, protocolsOf, type ResolveOptions } from './resolve.js';
export { decideConnection } from './decideConnection.js';
export { decideDnsQuery } from './decideDnsQuery.js';
export { DnsDecisionCache } from './dnsDecisionCache.js';
export { compileFqdnSelector, describeFqdnSelector, fqdnSelectorMatches, readFqdnSelector, type SelectorProblem } from './fqdnSelector.js';
export { nameMatches, isMatchAllPattern, MAX_FQDN_LENGTH, type NameMatcher } from './matchPattern.js';
export { canonicalDnsName } from './dnsName.js';
export { labelSelectorMatches, NAMESPACE_LABEL } from './labelSelector.js';
export { policyKeyString } from './policyKey.js';
