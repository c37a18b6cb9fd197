// src/fqdn: the FQDN cache and the allowlist computation. Pure: no sockets, no kernel, time is an
// argument.
//
// In:  DNS answers (endpoint, queried name, addresses, smallest TTL of the chain, causing DNS
//      event id), the clock, conntrack liveness (isInUse), and per endpoint its CIDR rules and
//      toFQDNs selectors (from src/policy).
// Out: cache updates (learned / deferred / expired, each with its DNS event id), the allowlist
//      entries of an endpoint as the LPM datapath map wants them ({prefix, rules}), and the
//      minimal diff (puts, deletes) between two allowlists.
export {
  answerChangesNothing,
  applyDnsAnswer,
  createFqdnCache,
  defaultFqdnCacheOptions,
  expire,
  forgetEndpoint,
  namesOfIp,
  nextExpiry,
  sharedAddresses,
  sharedNames,
  type AddressRecord,
  type DnsAnswer,
  type ExpiryReason,
  type FqdnCacheOptions,
  type FqdnCacheResult,
  type FqdnCacheState,
  type FqdnUpdate,
  type IsInUse,
  type SharedAddress,
} from './cache.js';
export {
  computeAllowlist,
  hostAllowlistEntries,
  diffAllowlist,
  type AllowlistDiff,
  type AllowlistEntry,
  type CidrRule,
  type FqdnGrant,
  type PortRange,
} from './allowlist.js';
export { allowlistAllows, longestMatch } from './allowlistLookup.js';
export { selectedAddresses, selectedAddressesOf, type FqdnSelector, type SelectedAddress } from './grants.js';
export { ALLOW_MAX_RULES, portRulesKey, type PortRule } from './portRule.js';
export { canonicalPrefix, formatPrefix, hostPrefix, hostPrefixKey, parseIp, parsePrefix } from './ipPrefix.js';
export { ProgrammedAnswers, defaultProgrammedAnswersOptions, countRemovals, countRemoveAll, REMOVAL_COUNTERS, type ProgrammedAnswersOptions, type RemovalCounts, type RemovalMark } from './programmedAnswers.js';
export { normalizeDnsName } from './dnsName.js';
