// Which cached addresses an endpoint's toFQDNs selectors grant. The cache is shared by all
// endpoints, so the grants of an endpoint come from every endpoint's answers (Cilium's NameManager
// does the same).
import { namesOfIp, sharedAddresses, sharedNames, type FqdnCacheState, type SharedAddress } from './cache.js';
import type { FqdnGrant, PortRange } from './allowlist.js';

/** One toFQDNs selector of an endpoint's egress policy, with the toPorts of its rule. */
export interface FqdnSelector {
  /** How events name it, e.g. "matchPattern: *.example.com". */
  selector: string;
  /** Name matching (case- and trailing-dot-insensitive); supplied by the policy layer. */
  matches(name: string): boolean;
  ports?: readonly PortRange[];
}

export interface SelectedAddress extends FqdnGrant {
  name: string;
  selector: string;
  expiresAt: number;
  dnsEventId: string;
}

/** Fields spelled out: a spread followed by more properties costs V8's young GC dearly (queryHandler.ts). */
function selectedAddress(address: SharedAddress, name: string, selector: FqdnSelector): SelectedAddress {
  const selected: SelectedAddress = { ip: address.ip, expiresAt: address.expiresAt, dnsEventId: address.dnsEventId, name, selector: selector.selector };
  if (selector.ports !== undefined) selected.ports = selector.ports;
  return selected;
}

export function selectedAddresses(state: FqdnCacheState, selectors: readonly FqdnSelector[]): SelectedAddress[] {
  const selected: SelectedAddress[] = [];
  if (selectors.length === 0) return selected;
  for (const name of sharedNames(state)) {
    const matching = selectors.filter((selector) => selector.matches(name));
    if (matching.length === 0) continue;
    for (const address of sharedAddresses(state, name)) {
      for (const selector of matching) {
        selected.push(selectedAddress(address, name, selector));
      }
    }
  }
  return selected;
}

/**
 * The grants of the given addresses only, from every name holding them: what selectedAddresses
 * would return for these addresses, without walking every cached name. A host prefix covers no
 * other prefix, so these grants and the CIDR rules decide the addresses' allowlist entries alone.
 */
export function selectedAddressesOf(state: FqdnCacheState, selectors: readonly FqdnSelector[], ips: Iterable<string>): SelectedAddress[] {
  const selected: SelectedAddress[] = [];
  if (selectors.length === 0) return selected;
  for (const ip of ips) {
    for (const name of namesOfIp(state, ip)) {
      const matching = selectors.filter((selector) => selector.matches(name));
      if (matching.length === 0) continue;
      const address = sharedAddresses(state, name).find((a) => a.ip === ip);
      if (address === undefined) continue;
      for (const selector of matching) {
        selected.push(selectedAddress(address, name, selector));
      }
    }
  }
  return selected;
}
