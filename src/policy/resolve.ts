// Resolution: policies + endpoints -> what each endpoint may reach. Pure and deterministic, so
// the pipeline can recompute on any change and diff. Output per endpoint: whether egress is
// enforced, the CIDR allows and denies (toCIDR, toCIDRSet, toEndpoints as /32 and /128,
// toEntities), the FQDN selectors that DNS answers will fill later, and the DNS rules.
import { formatPrefix, hostPrefix, parseIp } from './ip.js';
import { endpointLabels, labelSelectorMatches, mentionsNamespace, NAMESPACE_LABEL } from './labelSelector.js';
import { ALL_PORTS } from './types.js';
import type {
  CidrBlock, CidrRule, DnsRule, EgressRuleSpec, Endpoint, EndpointPolicy, FqdnRule, LabelSelector, ParsedPolicy,
  PolicyKey, RepositoryState, ResolvedPeer, ResolvedPortRule, ResolvedRule, RuleRef, StoredPolicy,
} from './types.js';

export interface ResolveOptions {
  /** This node's addresses: what toEntities: [host] allows. */
  nodeAddresses: string[];
}

const WORLD_V4 = '0.0.0.0/0';
const WORLD_V6 = '::/0';

/** Resolves every endpoint against every applied policy. */
export function resolveEndpointPolicies(policies: RepositoryState | StoredPolicy[], endpoints: Endpoint[], options: ResolveOptions): EndpointPolicy[] {
  const stored = Array.isArray(policies) ? policies : policies.policies;
  return endpoints.map((endpoint) => resolveEndpointPolicy(stored, endpoint, endpoints, options));
}

/** Resolves one endpoint; `allEndpoints` are the candidates for toEndpoints peers. */
export function resolveEndpointPolicy(stored: StoredPolicy[], endpoint: Endpoint, allEndpoints: Endpoint[], options: ResolveOptions): EndpointPolicy {
  const labels = endpointLabels(endpoint);
  const selectedBy: PolicyKey[] = [];
  const rules: ResolvedRule[] = [];
  for (const { policy, revision } of stored) {
    for (const spec of policy.specs) {
      if (policy.namespace !== null && policy.namespace !== endpoint.namespace) continue;
      if (!labelSelectorMatches(spec.endpointSelector, labels)) continue;
      if (spec.enforcesEgress && !selectedBy.some((k) => k.kind === policy.kind && k.namespace === policy.namespace && k.name === policy.name)) {
        selectedBy.push({ kind: policy.kind, namespace: policy.namespace, name: policy.name });
      }
      for (const rule of spec.rules) {
        const resolved = resolveRule(policy, revision, rule, allEndpoints, options);
        if (resolved !== undefined) rules.push(resolved);
      }
    }
  }
  return {
    endpoint: { name: endpoint.name, namespace: endpoint.namespace },
    enforced: selectedBy.length > 0,
    selectedBy,
    rules,
    cidrRules: flattenCidrRules(rules),
    fqdnRules: flattenFqdnRules(rules),
    dnsRules: dnsRulesOf(rules),
  };
}

function resolveRule(policy: ParsedPolicy, revision: number, rule: EgressRuleSpec, allEndpoints: Endpoint[], options: ResolveOptions): ResolvedRule | undefined {
  const ref: RuleRef = { kind: policy.kind, namespace: policy.namespace, name: policy.name, revision, path: rule.path };
  const peer = resolvePeer(policy, rule, allEndpoints, options);
  if (peer === undefined) return undefined;
  const portRules: ResolvedPortRule[] =
    rule.toPorts.length === 0
      ? [{ ports: [ALL_PORTS], dns: null, path: rule.path }]
      : rule.toPorts.map((p) => ({ ports: p.ports, dns: p.dns, path: p.path }));
  return { action: rule.action, ref, peer, portRules };
}

function resolvePeer(policy: ParsedPolicy, rule: EgressRuleSpec, allEndpoints: Endpoint[], options: ResolveOptions): ResolvedPeer | undefined {
  const peer = rule.peer;
  const world = (path: string, v4 = true, v6 = true): (CidrBlock & { path: string })[] => [
    ...(v4 ? [{ cidr: WORLD_V4, except: [], path }] : []),
    ...(v6 ? [{ cidr: WORLD_V6, except: [], path }] : []),
  ];
  switch (peer.kind) {
    case 'none':
      return undefined; // `{}`: switches on default deny, allows nothing
    case 'any':
      return { kind: 'cidrs', cidrs: world(rule.path) };
    case 'cidrs':
      return { kind: 'cidrs', cidrs: peer.items.map((it) => ({ ...it.block, path: it.path })) };
    case 'fqdns':
      return { kind: 'fqdns', selectors: peer.items.map((it) => ({ selector: it.selector, path: it.path })) };
    case 'entities':
      return {
        kind: 'cidrs',
        cidrs: peer.items.flatMap(({ entity, path }) => {
          switch (entity) {
            case 'world':
            case 'all':
              return world(path);
            case 'world-ipv4':
              return world(path, true, false);
            case 'world-ipv6':
              return world(path, false, true);
            case 'host':
              return options.nodeAddresses.flatMap((a) => hostCidr(a, path));
          }
        }),
      };
    case 'endpoints':
      return {
        kind: 'cidrs',
        cidrs: peer.items.flatMap(({ selector, path }) => {
          const scoped = scopeToNamespace(selector, policy.namespace);
          return allEndpoints
            .filter((ep) => labelSelectorMatches(scoped, endpointLabels(ep)))
            .flatMap((ep) => [ep.ipv4, ep.ipv6].flatMap((a) => (a === undefined ? [] : hostCidr(a, path))));
        }),
      };
  }
}

/** As Cilium: in a namespaced policy, a toEndpoints selector that names no namespace means the policy's own. */
function scopeToNamespace(selector: LabelSelector, namespace: string | null): LabelSelector {
  if (namespace === null || mentionsNamespace(selector)) return selector;
  return { matchLabels: { ...selector.matchLabels, [NAMESPACE_LABEL]: namespace }, matchExpressions: selector.matchExpressions };
}

function hostCidr(address: string, path: string): (CidrBlock & { path: string })[] {
  const ip = parseIp(address);
  return ip === undefined ? [] : [{ cidr: formatPrefix(hostPrefix(ip)), except: [], path }];
}

function flattenCidrRules(rules: ResolvedRule[]): CidrRule[] {
  return rules.flatMap((rule) => {
    if (rule.peer.kind !== 'cidrs') return [];
    const ports = rule.portRules.flatMap((p) => p.ports);
    return rule.peer.cidrs.map((c) => ({ action: rule.action, cidr: c.cidr, except: c.except, ports, ref: { ...rule.ref, path: c.path } }));
  });
}

function flattenFqdnRules(rules: ResolvedRule[]): FqdnRule[] {
  return rules.flatMap((rule) => {
    if (rule.peer.kind !== 'fqdns') return [];
    const ports = rule.portRules.flatMap((p) => p.ports);
    return rule.peer.selectors.map((s) => ({ selector: s.selector, ports, ref: { ...rule.ref, path: s.path } }));
  });
}

/**
 * DNS proxying, as Cilium's L4 filters decide it: a (port, protocol) is redirected to the proxy
 * when some allow rule carries rules.dns on it; then every allow rule naming exactly that port
 * becomes a DNS rule for its peers, and one without rules.dns allows every name.
 */
function dnsRulesOf(rules: ResolvedRule[]): DnsRule[] {
  const proxied = new Set<string>();
  for (const rule of rules) {
    if (rule.action !== 'allow') continue;
    for (const pr of rule.portRules) {
      if (pr.dns === null) continue;
      for (const range of pr.ports) for (const proto of protocolsOf(range.protocol)) proxied.add(`${range.port}/${proto}`);
    }
  }
  const out: DnsRule[] = [];
  for (const rule of rules) {
    if (rule.action !== 'allow') continue;
    for (const pr of rule.portRules) {
      for (const range of pr.ports) {
        if (range.port === 0 || range.endPort !== range.port) continue;
        for (const protocol of protocolsOf(range.protocol)) {
          if (!proxied.has(`${range.port}/${protocol}`)) continue;
          out.push({ port: range.port, protocol, servers: rule.peer, names: pr.dns, ref: { ...rule.ref, path: pr.path } });
        }
      }
    }
  }
  return out;
}

export function protocolsOf(protocol: 'TCP' | 'UDP' | 'ANY'): ('TCP' | 'UDP')[] {
  return protocol === 'ANY' ? ['TCP', 'UDP'] : [protocol];
}
