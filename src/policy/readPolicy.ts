// One Kubernetes object -> one ParsedPolicy: apiVersion cilium.io/v2, kind CiliumNetworkPolicy
// or CiliumClusterwideNetworkPolicy, metadata, and `spec` and/or `specs`. Every problem is
// reported with its YAML path; a policy with any problem yields undefined.
import type { IssueCollector } from './issues.js';
import { NAMESPACE_LABEL, readLabelSelector } from './labelSelector.js';
import { readEgressRule } from './readEgressRule.js';
import type { EgressRuleSpec, ParsedPolicy, PolicyKind, PolicySource, PolicySpec } from './types.js';

const KINDS: readonly PolicyKind[] = ['CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy'];
/** A namespaced policy without metadata.namespace lands where kubectl would put it. */
export const DEFAULT_NAMESPACE = 'default';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const UNSUPPORTED_SPEC_FIELDS: Record<string, string> = {
  nodeSelector: 'nodeSelector (host policies) is not supported by Sluice; use endpointSelector',
  enableDefaultDeny: 'enableDefaultDeny is not supported by Sluice: a policy with egress rules always enforces default deny',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function readPolicy(raw: unknown, basePath: string, source: PolicySource, outer: IssueCollector): ParsedPolicy | undefined {
  const issues = outer.within(basePath);
  if (!isObject(raw)) {
    issues.add('', 'a policy document must be a mapping (apiVersion, kind, metadata, spec)');
    return undefined;
  }
  const before = issues.count;
  for (const key of Object.keys(raw)) {
    // status is written by the cluster (kubectl get -o yaml); it carries no policy
    if (!['apiVersion', 'kind', 'metadata', 'spec', 'specs', 'status'].includes(key)) issues.add(key, 'unknown field in a policy');
  }
  if (raw.apiVersion !== 'cilium.io/v2') {
    issues.add('apiVersion', `apiVersion must be cilium.io/v2, not ${JSON.stringify(raw.apiVersion ?? null)}`);
  }
  const kind = raw.kind as PolicyKind;
  if (!KINDS.includes(kind)) {
    const hint = raw.kind === 'NetworkPolicy' ? ' (Kubernetes NetworkPolicy is not read; write a CiliumNetworkPolicy)' : '';
    issues.add('kind', `kind must be CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy, not ${JSON.stringify(raw.kind ?? null)}${hint}`);
    return undefined;
  }
  const meta = readMetadata(raw.metadata, kind, 'metadata', issues);
  const specs: PolicySpec[] = [];
  if (raw.spec === undefined && raw.specs === undefined) {
    issues.add('', 'a policy needs spec or specs');
  }
  if (raw.spec !== undefined) {
    const spec = readSpec(raw.spec, 'spec', meta?.namespace ?? null, issues);
    if (spec !== undefined) specs.push(spec);
  }
  if (raw.specs !== undefined) {
    if (!Array.isArray(raw.specs)) issues.add('specs', 'specs must be a list of rules');
    else raw.specs.forEach((s, i) => {
      const spec = readSpec(s, `specs[${i}]`, meta?.namespace ?? null, issues);
      if (spec !== undefined) specs.push(spec);
    });
  }
  if (meta === undefined || issues.count !== before) return undefined;
  return { kind, namespace: meta.namespace, name: meta.name, source, basePath, specs, document: structuredClone(raw) };
}

function readMetadata(raw: unknown, kind: PolicyKind, path: string, issues: IssueCollector): { name: string; namespace: string | null } | undefined {
  if (!isObject(raw)) {
    issues.add(path, 'metadata with a name is required');
    return undefined;
  }
  const before = issues.count;
  // other metadata (labels, annotations, uid, ...) is Kubernetes bookkeeping, not policy
  const name = raw.name;
  if (typeof name !== 'string' || name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    issues.add(`${path}.name`, 'name must be a lowercase DNS subdomain (a-z, 0-9, - and ., at most 253 characters)');
  }
  let namespace: string | null = null;
  if (kind === 'CiliumClusterwideNetworkPolicy') {
    if (raw.namespace !== undefined) issues.add(`${path}.namespace`, 'a CiliumClusterwideNetworkPolicy has no namespace');
  } else {
    const ns = raw.namespace ?? DEFAULT_NAMESPACE;
    if (typeof ns !== 'string' || ns.length > 63 || !DNS1123_LABEL.test(ns)) {
      issues.add(`${path}.namespace`, 'namespace must be a lowercase DNS label (a-z, 0-9 and -, at most 63 characters)');
    } else {
      namespace = ns;
    }
  }
  return issues.count === before ? { name: name as string, namespace } : undefined;
}

function readSpec(raw: unknown, path: string, namespace: string | null, issues: IssueCollector): PolicySpec | undefined {
  if (!isObject(raw)) {
    issues.add(path, 'a policy rule must be a mapping (endpointSelector, egress, egressDeny)');
    return undefined;
  }
  const before = issues.count;
  for (const key of Object.keys(raw)) {
    if (['endpointSelector', 'egress', 'egressDeny', 'description', 'labels'].includes(key)) continue;
    if (key === 'ingress' || key === 'ingressDeny') {
      if (!Array.isArray(raw[key]) || (raw[key] as unknown[]).length > 0) {
        issues.add(`${path}.${key}`, `${key} rules are not supported: Sluice enforces egress only`);
      }
      continue;
    }
    issues.add(`${path}.${key}`, UNSUPPORTED_SPEC_FIELDS[key] ?? 'unknown field in a policy rule');
  }
  if (raw.description !== undefined && typeof raw.description !== 'string') issues.add(`${path}.description`, 'description must be a string');
  if (raw.labels !== undefined && !Array.isArray(raw.labels)) issues.add(`${path}.labels`, 'labels must be a list');
  let endpointSelector;
  if (raw.endpointSelector === undefined) {
    issues.add(`${path}.endpointSelector`, 'endpointSelector is required (use {} to select every endpoint)');
  } else {
    endpointSelector = readLabelSelector(raw.endpointSelector, `${path}.endpointSelector`, issues);
    const nsValue = endpointSelector?.matchLabels[NAMESPACE_LABEL];
    if (namespace !== null && nsValue !== undefined && nsValue !== namespace) {
      issues.add(`${path}.endpointSelector.matchLabels`, `a policy in namespace ${namespace} cannot select endpoints of namespace ${nsValue}`);
    }
  }
  const rules: EgressRuleSpec[] = [];
  for (const [field, action] of [['egress', 'allow'], ['egressDeny', 'deny']] as const) {
    const list = raw[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      issues.add(`${path}.${field}`, `${field} must be a list of rules`);
      continue;
    }
    list.forEach((entry, i) => {
      const rule = readEgressRule(entry, `${path}.${field}[${i}]`, action, issues);
      if (rule !== undefined) rules.push(rule);
    });
  }
  if (endpointSelector === undefined || issues.count !== before) return undefined;
  const enforcesEgress = [raw.egress, raw.egressDeny].some((l) => Array.isArray(l) && l.length > 0);
  return { path, endpointSelector, enforcesEgress, rules };
}
