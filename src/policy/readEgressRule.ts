// One entry of egress or egressDeny. Cilium allows one kind of L3 peer per rule (toFQDNs,
// toCIDR, toCIDRSet, toEndpoints or toEntities), optionally narrowed by toPorts; a rule with
// only toPorts applies to every destination. egressDeny has no toFQDNs and no L7 rules.
import { readFqdnSelector } from './fqdnSelector.js';
import { formatPrefix, hostPrefix, parseIp, parsePrefix, prefixContains } from './ip.js';
import type { IssueCollector } from './issues.js';
import { readLabelSelector } from './labelSelector.js';
import { readToPorts } from './readToPorts.js';
import type { CidrBlock, EgressRuleSpec, Entity, FqdnSelector, PeerSpec } from './types.js';

const PEER_FIELDS = ['toFQDNs', 'toCIDR', 'toCIDRSet', 'toEndpoints', 'toEntities'] as const;
type PeerField = (typeof PEER_FIELDS)[number];

const UNSUPPORTED_RULE_FIELDS: Record<string, string> = {
  toServices: 'toServices is not supported by Sluice (no service translation); use toEndpoints or toCIDR',
  toGroups: 'toGroups (cloud provider groups) is not supported by Sluice',
  toNodes: 'toNodes is not supported by Sluice; use toEntities: [host] for this node',
  toRequires: 'toRequires is not supported by Sluice',
  icmps: 'ICMP rules are not supported by Sluice',
  authentication: 'authentication (mutual auth) is not supported by Sluice',
};

const SUPPORTED_ENTITIES: readonly Entity[] = ['world', 'world-ipv4', 'world-ipv6', 'all', 'host'];
const KNOWN_CILIUM_ENTITIES = ['cluster', 'init', 'health', 'unmanaged', 'remote-node', 'kube-apiserver', 'ingress', 'none'];

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function readEgressRule(raw: unknown, path: string, action: 'allow' | 'deny', issues: IssueCollector): EgressRuleSpec | undefined {
  if (!isObject(raw)) {
    issues.add(path, 'an egress rule must be an object');
    return undefined;
  }
  const before = issues.count;
  for (const key of Object.keys(raw)) {
    if ((PEER_FIELDS as readonly string[]).includes(key) || key === 'toPorts') continue;
    issues.add(`${path}.${key}`, UNSUPPORTED_RULE_FIELDS[key] ?? 'unknown field in an egress rule');
  }
  if (action === 'deny' && raw.toFQDNs !== undefined) {
    issues.add(`${path}.toFQDNs`, 'egressDeny does not support toFQDNs (Cilium has no FQDN deny rules); deny the CIDRs instead');
  }
  const present = PEER_FIELDS.filter((f) => raw[f] !== undefined && raw[f] !== null);
  for (const field of present) {
    if (Array.isArray(raw[field]) && (raw[field] as unknown[]).length === 0) {
      issues.add(`${path}.${field}`, `${field} is an empty list; Cilium would read the rule as having no peer, so remove it or add peers`);
    }
  }
  if (present.length > 1) {
    issues.add(path, `combining ${present.join(' and ')} in one rule is not supported (as in Cilium); write one rule per peer kind`);
  }
  const toPorts = readToPorts(raw.toPorts, `${path}.toPorts`, action, issues);
  const field = present[0];
  const peer: PeerSpec | undefined =
    field === undefined ? (raw.toPorts === undefined ? { kind: 'none' } : { kind: 'any' }) : readPeer(field, raw[field], `${path}.${field}`, issues);
  if (issues.count !== before || peer === undefined) return undefined;
  return { action, path, peer, toPorts };
}

function readPeer(field: PeerField, raw: unknown, path: string, issues: IssueCollector): PeerSpec | undefined {
  if (!Array.isArray(raw)) {
    issues.add(path, `${field} must be a list`);
    return undefined;
  }
  switch (field) {
    case 'toFQDNs': {
      const items = raw.flatMap((entry, i) => {
        const selector = readSelector(entry, `${path}[${i}]`, issues);
        return selector === undefined ? [] : [{ selector, path: `${path}[${i}]` }];
      });
      return { kind: 'fqdns', items };
    }
    case 'toCIDR':
    case 'toCIDRSet': {
      const items: { block: CidrBlock; path: string }[] = [];
      raw.forEach((entry, i) => {
        const at = `${path}[${i}]`;
        const block = field === 'toCIDR' ? readCidr(entry, at, issues) : readCidrRule(entry, at, issues);
        if (block !== undefined) items.push({ block, path: at });
      });
      return { kind: 'cidrs', field, items };
    }
    case 'toEndpoints': {
      const items = raw.flatMap((entry, i) => {
        const selector = readLabelSelector(entry, `${path}[${i}]`, issues);
        return selector === undefined ? [] : [{ selector, path: `${path}[${i}]` }];
      });
      return { kind: 'endpoints', items };
    }
    case 'toEntities': {
      const items = raw.flatMap((entry, i) => {
        const entity = readEntity(entry, `${path}[${i}]`, issues);
        return entity === undefined ? [] : [{ entity, path: `${path}[${i}]` }];
      });
      return { kind: 'entities', items };
    }
  }
}

function readSelector(raw: unknown, path: string, issues: IssueCollector): FqdnSelector | undefined {
  const read = readFqdnSelector(raw);
  if ('selector' in read) return read.selector;
  for (const p of read.problems) issues.add(p.field === '' ? path : `${path}.${p.field}`, p.reason);
  return undefined;
}

/** toCIDR accepts a prefix or a bare address (a host route), like Cilium's CIDR type. */
function readCidr(raw: unknown, path: string, issues: IssueCollector): CidrBlock | undefined {
  if (typeof raw !== 'string' || raw === '') {
    issues.add(path, 'a CIDR must be a non-empty string such as 192.0.2.0/24');
    return undefined;
  }
  const prefix = raw.includes('/') ? parsePrefix(raw) : (() => {
    const ip = parseIp(raw);
    return ip === undefined ? undefined : hostPrefix(ip);
  })();
  if (prefix === undefined) {
    issues.add(path, `unable to parse CIDR ${JSON.stringify(raw)}`);
    return undefined;
  }
  return { cidr: formatPrefix(prefix), except: [] };
}

/** toCIDRSet entries need the /bits form, and each exception must lie inside the CIDR. */
function readCidrRule(raw: unknown, path: string, issues: IssueCollector): CidrBlock | undefined {
  if (!isObject(raw)) {
    issues.add(path, 'a toCIDRSet entry must be an object with cidr (and except)');
    return undefined;
  }
  const before = issues.count;
  for (const key of Object.keys(raw)) {
    if (key === 'cidr' || key === 'except') continue;
    if (key === 'cidrGroupRef' || key === 'cidrGroupSelector') issues.add(`${path}.${key}`, `${key} (CiliumCIDRGroup) is not supported by Sluice; list the CIDRs`);
    else issues.add(`${path}.${key}`, 'unknown field in a toCIDRSet entry');
  }
  const prefix = typeof raw.cidr === 'string' ? parsePrefix(raw.cidr) : undefined;
  if (prefix === undefined) {
    issues.add(`${path}.cidr`, raw.cidr === undefined ? 'cidr must be specified' : `unable to parse CIDR ${JSON.stringify(raw.cidr)} (use address/bits)`);
  }
  const except: string[] = [];
  if (raw.except !== undefined && raw.except !== null) {
    if (!Array.isArray(raw.except)) {
      issues.add(`${path}.except`, 'except must be a list of CIDRs');
    } else {
      raw.except.forEach((entry, j) => {
        const at = `${path}.except[${j}]`;
        const ex = typeof entry === 'string' ? parsePrefix(entry) : undefined;
        if (ex === undefined) {
          issues.add(at, `unable to parse CIDR ${JSON.stringify(entry)} (use address/bits)`);
          return;
        }
        const exAddr = parseIp((entry as string).slice(0, (entry as string).indexOf('/')))!;
        if (prefix !== undefined && !prefixContains(prefix, exAddr)) {
          issues.add(at, `${entry as string} is not inside ${raw.cidr as string}`);
          return;
        }
        except.push(formatPrefix(ex));
      });
    }
  }
  if (prefix === undefined || issues.count !== before) return undefined;
  return { cidr: formatPrefix(prefix), except };
}

function readEntity(raw: unknown, path: string, issues: IssueCollector): Entity | undefined {
  if (typeof raw === 'string' && (SUPPORTED_ENTITIES as readonly string[]).includes(raw)) return raw as Entity;
  if (typeof raw === 'string' && KNOWN_CILIUM_ENTITIES.includes(raw)) {
    issues.add(path, `entity ${JSON.stringify(raw)} is not supported by Sluice (supported: ${SUPPORTED_ENTITIES.join(', ')})`);
  } else {
    issues.add(path, `unknown entity ${JSON.stringify(raw)} (supported: ${SUPPORTED_ENTITIES.join(', ')})`);
  }
  return undefined;
}
