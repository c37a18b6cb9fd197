// rules.dns decisions remembered per endpoint policy, for the DNS proxy's hot path. A decision
// depends on the policy and the query alone (not on time), and most queries repeat a few names:
// deciding anew parsed the server address, walked the rules and built the reason text each time,
// about 3 KB of garbage a query. A resolved policy is never changed in place (a change resolves a
// new object), so decisions are kept per policy object and die with it. Queries that carry
// `resolved` names (policy trace) are decided directly.
//
// What is kept is the caller's choice (`keep`): the DNS proxy keeps only verdict, rule and policy,
// one shared object per outcome, since a Decision's reason names the query and most names are
// asked once: kept whole, each new name's decision lived on into the old generation.
import { decideDnsQuery } from './decideDnsQuery.js';
import type { Decision, DnsQuery, EndpointPolicy } from './types.js';

/** Decisions kept per policy; past it that policy's decisions start afresh. */
const MAX_PER_POLICY = 10_000;
/** Servers, ports and protocols kept per name. */
const MAX_PER_NAME = 8;

/** One name's decisions, by where it was asked (nearly always one server, port and protocol). */
interface Asked<T> {
  server: string | undefined;
  port: number;
  protocol: DnsQuery['protocol'];
  decision: T;
}

export class DnsDecisionCache<T = Decision> {
  private readonly byPolicy = new WeakMap<EndpointPolicy, Map<string, Asked<T>[]>>();

  constructor(
    private readonly keep: (d: Decision) => T = (d) => d as T,
    private readonly maxPerPolicy = MAX_PER_POLICY,
  ) {}

  /** Names with decisions kept for this policy. */
  kept(ep: EndpointPolicy): number {
    return this.byPolicy.get(ep)?.size ?? 0;
  }

  /** keep(decideDnsQuery(ep, query)), or what was kept of the same decision made earlier. */
  decide(ep: EndpointPolicy, query: DnsQuery): T {
    if (query.resolved !== undefined) return this.keep(decideDnsQuery(ep, query));
    let byName = this.byPolicy.get(ep);
    if (byName === undefined) this.byPolicy.set(ep, (byName = new Map()));
    // keyed by the name as it comes, then a short scan: no key string made per query
    let asked = byName.get(query.qname);
    if (asked !== undefined) {
      for (const a of asked) if (a.server === query.server && a.port === query.port && a.protocol === query.protocol) return a.decision;
    }
    // thrown errors (an invalid server address) are not kept: they throw again next time
    const decision = this.keep(decideDnsQuery(ep, query));
    if (asked === undefined) {
      if (byName.size >= this.maxPerPolicy) byName.clear();
      byName.set(query.qname, (asked = []));
    }
    // a pod may ask one name of any number of servers: a name keeps its last few
    if (asked.length >= MAX_PER_NAME) asked.shift();
    asked.push({ server: query.server, port: query.port, protocol: query.protocol, decision });
    return decision;
  }
}
