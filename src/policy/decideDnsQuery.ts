// May this endpoint ask DNS server S for name N on port/protocol P, as Cilium decides:
//   1. not enforced: yes;
//   2. an egressDeny rule covering S and P: no;
//   3. if P is DNS-proxied and some DNS rule on P selects S, the name decides: a rule without
//      rules.dns allows every name, otherwise some matchName/matchPattern must match N;
//   4. otherwise an allow rule covering S and P lets the query through unproxied (any name);
//   5. otherwise default deny.
// A query without `server` assumes a server the policy names, for `policy trace` without
// --dns-server; then only deny rules covering every address can deny.
import { SluiceError } from '../errors.js';
import { decided, defaultDeny, describeRef, notEnforced } from './decision.js';
import { describeFqdnSelector, fqdnSelectorMatches } from './fqdnSelector.js';
import { parseIp, type IpAddress } from './ip.js';
import { peerIncludes, rangeCovers } from './peerMatch.js';
import type { Decision, DnsQuery, EndpointPolicy, ResolvedPeer } from './types.js';

export function decideDnsQuery(ep: EndpointPolicy, query: DnsQuery): Decision {
  if (!ep.enforced) return notEnforced();
  let ip: IpAddress | undefined;
  if (query.server !== undefined) {
    ip = parseIp(query.server);
    if (ip === undefined) throw new SluiceError('ERR_CONFIG', `decide DNS query: invalid server address ${JSON.stringify(query.server)}`);
  }
  const resolved = query.resolved ?? {};
  const server = query.server ?? 'any server';
  const what = `DNS query ${query.qname} to ${server} ${query.protocol}/${query.port}`;
  const selects = (peer: ResolvedPeer, deny: boolean): string | undefined =>
    ip !== undefined ? peerIncludes(peer, ip, resolved) : anyServerPath(peer, deny);

  for (const rule of ep.rules) {
    if (rule.action !== 'deny') continue;
    if (!rule.portRules.some((pr) => pr.ports.some((r) => rangeCovers(r, query.port, query.protocol)))) continue;
    const path = selects(rule.peer, true);
    if (path !== undefined) {
      const ref = { ...rule.ref, path };
      return decided('denied', ref, `${what} is denied by egressDeny ${describeRef(ref)}`);
    }
  }

  const serving = ep.dnsRules.filter((d) => d.port === query.port && d.protocol === query.protocol && selects(d.servers, false) !== undefined);
  if (serving.length > 0) {
    for (const rule of serving) {
      if (rule.names === null) {
        return decided('allowed', rule.ref, `${what} is allowed by ${describeRef(rule.ref)}: a rule on the DNS port without rules.dns allows every name`);
      }
      const hit = rule.names.find((n) => fqdnSelectorMatches(n.selector, query.qname));
      if (hit !== undefined) {
        const ref = { ...rule.ref, path: hit.path };
        return decided('allowed', ref, `${what} is allowed by ${describeRef(ref)} (${describeFqdnSelector(hit.selector)})`);
      }
    }
    const first = serving[0]!;
    return decided('denied', first.ref, `${what} is denied by the DNS proxy: ${query.qname} matches no rules.dns of ${describeRef(first.ref)}`);
  }

  for (const rule of ep.rules) {
    if (rule.action !== 'allow') continue;
    if (!rule.portRules.some((pr) => pr.ports.some((r) => rangeCovers(r, query.port, query.protocol)))) continue;
    const path = selects(rule.peer, false);
    if (path === undefined) continue;
    const ref = { ...rule.ref, path: path === '' ? rule.ref.path : path };
    return decided('allowed', ref, `${what} is allowed by ${describeRef(ref)}; the port is not DNS-proxied for this server, so any name passes`);
  }
  return defaultDeny(ep, what);
}

/** With no server given: any allow peer counts; a deny peer only if it covers every address. */
function anyServerPath(peer: ResolvedPeer, deny: boolean): string | undefined {
  if (peer.kind === 'fqdns') return deny ? undefined : peer.selectors[0]?.path;
  // even a toEndpoints peer that selects no known pod names a server ('' = the rule itself)
  if (!deny) return peer.cidrs[0]?.path ?? '';
  return peer.cidrs.find((c) => c.cidr.endsWith('/0') && c.except.length === 0)?.path;
}
