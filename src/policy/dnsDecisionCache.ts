// rules.dns decisions remembered per endpoint policy, for the DNS proxy's hot path. A decision
// depends on the policy and the query alone (not on time), and most queries repeat a few names:
// deciding anew parsed the server address, walked the rules and built the reason text each time,
// about 3 KB of garbage a query. A resolved policy is never changed in place (a change resolves a
// new object), so decisions are kept per policy object and die with it. Queries that carry
// `resolved` names (policy trace) are decided directly.
import { decideDnsQuery } from './decideDnsQuery.js';
import type { Decision, DnsQuery, EndpointPolicy } from './types.js';

/** Decisions kept per policy; past it that policy's decisions start afresh. */
const MAX_PER_POLICY = 10_000;

export class DnsDecisionCache {
  private readonly byPolicy = new WeakMap<EndpointPolicy, Map<string, Decision>>();

  constructor(private readonly maxPerPolicy = MAX_PER_POLICY) {}

  /** Decisions kept for this policy. */
  kept(ep: EndpointPolicy): number {
    return this.byPolicy.get(ep)?.size ?? 0;
  }

  /** decideDnsQuery(ep, query), or the same decision made earlier for the same policy and query. */
  decide(ep: EndpointPolicy, query: DnsQuery): Decision {
    if (query.resolved !== undefined) return decideDnsQuery(ep, query);
    let decisions = this.byPolicy.get(ep);
    if (decisions === undefined) this.byPolicy.set(ep, (decisions = new Map()));
    const key = `${query.qname}|${query.server ?? ''}|${query.port}|${query.protocol}`;
    let decision = decisions.get(key);
    if (decision === undefined) {
      // thrown errors (an invalid server address) are not kept: they throw again next time
      decision = decideDnsQuery(ep, query);
      if (decisions.size >= this.maxPerPolicy) decisions.clear();
      decisions.set(key, decision);
    }
    return decision;
  }
}
