// The public shapes of the policy layer: what the parser produces, what the repository keeps and
// what resolution hands to the DNS proxy (src/dns) and the datapath allowlist (src/fqdn,
// src/pipeline). Everything here is plain data, safe to JSON-encode and to put in events.

export type PolicyKind = 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';

/** Identifies one policy object. `namespace` is null for clusterwide policies. */
export interface PolicyKey {
  kind: PolicyKind;
  namespace: string | null;
  name: string;
}

/** Where a document came from: the file name (or '-' for stdin) and the 0-based document index. */
export interface PolicySource {
  file: string;
  document: number;
}

/** L4 protocol as written in toPorts; ANY covers TCP and UDP. */
export type PortProtocol = 'TCP' | 'UDP' | 'ANY';

/**
 * A destination port range. `port: 0` means every port (then `endPort` is 0 too); otherwise the
 * range is `port..endPort` inclusive, with `endPort === port` for a single port.
 */
export interface PortRange {
  protocol: PortProtocol;
  port: number;
  endPort: number;
}

/** Every port and protocol: what an L3-only rule (no toPorts) allows. */
export const ALL_PORTS: PortRange = Object.freeze({ protocol: 'ANY', port: 0, endPort: 0 }) as PortRange;

/** A toFQDNs or rules.dns selector as written, after validation: exactly one field is set. */
export type FqdnSelector = { matchName: string } | { matchPattern: string };

export type LabelOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelExpression {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/**
 * A Kubernetes label selector with the `k8s:`/`any:` source prefixes stripped from keys. Both
 * parts must match (AND); an empty selector selects every endpoint.
 */
export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelExpression[];
}

/** A CIDR with the sub-ranges it leaves out. Addresses are canonical (`10.0.0.0/8`, `2001:db8::/32`). */
export interface CidrBlock {
  cidr: string;
  except: string[];
}

export type Entity = 'world' | 'world-ipv4' | 'world-ipv6' | 'all' | 'host';

/**
 * The L3 peer of one egress rule, as written. A rule without any to* peer but with toPorts has
 * `kind: 'any'` (Cilium's "L4-only" rule: every destination on the listed ports); an empty rule
 * `{}` has `kind: 'none'`: it selects nothing and only switches the endpoint to default deny.
 */
export type PeerSpec =
  | { kind: 'none' }
  | { kind: 'any' }
  | { kind: 'cidrs'; field: 'toCIDR' | 'toCIDRSet'; items: { block: CidrBlock; path: string }[] }
  | { kind: 'endpoints'; items: { selector: LabelSelector; path: string }[] }
  | { kind: 'entities'; items: { entity: Entity; path: string }[] }
  | { kind: 'fqdns'; items: { selector: FqdnSelector; path: string }[] };

/** One rules.dns selector with its YAML path. */
export interface DnsNameRule {
  selector: FqdnSelector;
  path: string;
}

/** One toPorts entry. `dns` is null when the entry has no DNS rules (no DNS proxying). */
export interface PortRuleSpec {
  path: string;
  ports: PortRange[];
  dns: DnsNameRule[] | null;
}

export interface EgressRuleSpec {
  action: 'allow' | 'deny';
  /** e.g. `spec.egress[0]` or `items[2].specs[1].egressDeny[0]` */
  path: string;
  peer: PeerSpec;
  /** Empty means every port and protocol. */
  toPorts: PortRuleSpec[];
}

export interface PolicySpec {
  path: string;
  /** The selector as written; namespaced policies also require the policy's namespace. */
  endpointSelector: LabelSelector;
  /** Has egress or egressDeny: the selected endpoints switch to default deny on egress. */
  enforcesEgress: boolean;
  rules: EgressRuleSpec[];
}

/** One validated policy object. `document` is the object exactly as read, for events and state. */
export interface ParsedPolicy extends PolicyKey {
  source: PolicySource;
  /** '' for a top-level document, `items[3]` for an item of a List. */
  basePath: string;
  specs: PolicySpec[];
  document: Record<string, unknown>;
}

/** One validation failure: which file, which document, which YAML path, and why. */
export interface PolicyIssue {
  file: string;
  document: number;
  path: string;
  reason: string;
}

/** A policy held by the repository, with the revision at which it was last applied. */
export interface StoredPolicy {
  policy: ParsedPolicy;
  revision: number;
}

export interface RepositoryState {
  /** Bumped once per successful apply or delete; 0 for an empty, untouched repository. */
  revision: number;
  policies: StoredPolicy[];
}

export interface PolicyEventData extends PolicyKey {
  revision: number;
  document: Record<string, unknown>;
}

/** Facts for the policy-changes topic (src/log wraps them in its envelope). */
export type PolicyEvent =
  | { type: 'policy.applied'; data: PolicyEventData }
  | { type: 'policy.deleted'; data: PolicyEventData };

/** An endpoint as the agent knows it. `labels` are Kubernetes pod labels, without source prefixes. */
export interface Endpoint {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ipv4?: string;
  ipv6?: string;
}

/** Points at the rule (and the item inside it) that produced an allow, a deny or a verdict. */
export interface RuleRef {
  kind: PolicyKind;
  namespace: string | null;
  name: string;
  revision: number;
  /** YAML path inside the policy document, e.g. `spec.egress[0].toFQDNs[1]`. */
  path: string;
}

/** The resolved peer of one rule: concrete CIDRs, or FQDN selectors that DNS answers fill later. */
export type ResolvedPeer =
  | { kind: 'cidrs'; cidrs: (CidrBlock & { path: string })[] }
  | { kind: 'fqdns'; selectors: { selector: FqdnSelector; path: string }[] };

/** One port entry of a resolved rule. `dns: null` = no DNS rules on this entry. */
export interface ResolvedPortRule {
  ports: PortRange[];
  dns: DnsNameRule[] | null;
  path: string;
}

/** One egress rule of one policy, applied to one endpoint. */
export interface ResolvedRule {
  action: 'allow' | 'deny';
  ref: RuleRef;
  peer: ResolvedPeer;
  /** Never empty: an L3-only rule gets one entry with ALL_PORTS. */
  portRules: ResolvedPortRule[];
}

/** A flattened CIDR allow or deny for the datapath allowlist. */
export interface CidrRule {
  action: 'allow' | 'deny';
  cidr: string;
  except: string[];
  ports: PortRange[];
  ref: RuleRef;
}

/** An FQDN selector whose IPs (learned from allowed DNS answers) are allowed on `ports`. */
export interface FqdnRule {
  selector: FqdnSelector;
  ports: PortRange[];
  ref: RuleRef;
}

/**
 * DNS proxying for one (port, protocol): queries to a server selected by `servers` are checked
 * against `names`; `names: null` allows every name (a selector on the DNS port without DNS rules).
 */
export interface DnsRule {
  port: number;
  protocol: 'TCP' | 'UDP';
  servers: ResolvedPeer;
  names: DnsNameRule[] | null;
  ref: RuleRef;
}

/** Everything the datapath and the DNS proxy need for one endpoint. */
export interface EndpointPolicy {
  endpoint: { name: string; namespace: string };
  /** Selected by a policy with egress or egressDeny rules: egress is default deny. */
  enforced: boolean;
  /** The policies that select this endpoint and enforce egress. */
  selectedBy: PolicyKey[];
  rules: ResolvedRule[];
  cidrRules: CidrRule[];
  fqdnRules: FqdnRule[];
  dnsRules: DnsRule[];
}

/** The answer of decideConnection and decideDnsQuery. */
export interface Decision {
  verdict: 'allowed' | 'denied';
  /** `namespace/name` (or `name` for a clusterwide policy) of the deciding policy; null if none. */
  policy: string | null;
  /** YAML path of the deciding rule item; null when no rule decided (default deny, no policy). */
  rule: string | null;
  ref: RuleRef | null;
  reason: string;
}

export interface DnsQuery {
  /** The DNS server the query is addressed to; undefined = assume a server the policy names. */
  server?: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  qname: string;
  /** Names already resolved (name -> IPs), for servers reached through toFQDNs peers. */
  resolved?: Record<string, string[]>;
}

export interface Connection {
  dst: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  /** What allowed DNS answers returned so far (name -> IPs); fills toFQDNs peers. */
  resolved?: Record<string, string[]>;
}
