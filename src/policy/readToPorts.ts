// toPorts of one egress or egressDeny rule: numeric ports with optional endPort, protocol TCP, UDP
// or ANY, and (allow rules only) rules.dns. What the datapath cannot enforce (named ports, L7
// HTTP/Kafka rules, TLS interception, listeners, SCTP) is rejected with a reason, never dropped.
import { readFqdnSelector } from './fqdnSelector.js';
import type { IssueCollector } from './issues.js';
import type { DnsNameRule, PortProtocol, PortRange, PortRuleSpec } from './types.js';

/** Cilium's limit on ports per toPorts entry. */
const MAX_PORTS = 40;

const UNSUPPORTED_PORT_RULE_FIELDS: Record<string, string> = {
  serverNames: 'serverNames (TLS SNI matching) is not supported by Sluice',
  terminatingTLS: 'terminatingTLS is not supported by Sluice (no TLS interception)',
  originatingTLS: 'originatingTLS is not supported by Sluice (no TLS interception)',
  listener: 'listener (Envoy listeners) is not supported by Sluice',
};

const UNSUPPORTED_L7_FIELDS: Record<string, string> = {
  http: 'L7 HTTP rules are not supported: Sluice enforces DNS rules only',
  kafka: 'L7 Kafka rules are not supported: Sluice enforces DNS rules only',
  l7proto: 'generic L7 rules (l7proto) are not supported: Sluice enforces DNS rules only',
  l7: 'generic L7 rules (l7) are not supported: Sluice enforces DNS rules only',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function readToPorts(raw: unknown, path: string, action: 'allow' | 'deny', issues: IssueCollector): PortRuleSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    issues.add(path, 'toPorts must be a list');
    return [];
  }
  const out: PortRuleSpec[] = [];
  raw.forEach((entry, i) => {
    const parsed = readPortRule(entry, `${path}[${i}]`, action, issues);
    if (parsed !== undefined) out.push(parsed);
  });
  return out;
}

function readPortRule(raw: unknown, path: string, action: 'allow' | 'deny', issues: IssueCollector): PortRuleSpec | undefined {
  if (!isObject(raw)) {
    issues.add(path, 'a toPorts entry must be an object with ports (and rules)');
    return undefined;
  }
  const before = issues.count;
  for (const key of Object.keys(raw)) {
    if (key === 'ports') continue;
    if (key === 'rules') {
      if (action === 'deny') issues.add(`${path}.rules`, 'egressDeny toPorts take no rules (a deny rule has only ports)');
      continue;
    }
    issues.add(`${path}.${key}`, UNSUPPORTED_PORT_RULE_FIELDS[key] ?? 'unknown field in a toPorts entry');
  }
  const ports = readPorts(raw.ports, `${path}.ports`, issues);
  const dns = action === 'allow' ? readRules(raw.rules, `${path}.rules`, issues) : null;
  if (dns !== null) {
    ports.forEach((range, j) => {
      if (range.port === 0) issues.add(`${path}.ports[${j}].port`, 'DNS rules cannot be used when a port is 0 (name the DNS port, e.g. 53)');
      else if (range.endPort !== range.port) issues.add(`${path}.ports[${j}].endPort`, 'DNS rules do not support port ranges');
    });
  }
  if (issues.count !== before) return undefined;
  return { path, ports, dns };
}

function readPorts(raw: unknown, path: string, issues: IssueCollector): PortRange[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    issues.add(path, 'ports must list at least one port');
    return [];
  }
  if (raw.length > MAX_PORTS) issues.add(path, `too many ports (${raw.length}); the limit is ${MAX_PORTS}`);
  const out: PortRange[] = [];
  raw.forEach((entry, j) => {
    const range = readPortProtocol(entry, `${path}[${j}]`, issues);
    if (range !== undefined) out.push(range);
  });
  return out;
}

function readPortProtocol(raw: unknown, path: string, issues: IssueCollector): PortRange | undefined {
  if (!isObject(raw)) {
    issues.add(path, 'a port must be an object with port (and endPort, protocol)');
    return undefined;
  }
  const before = issues.count;
  for (const key of Object.keys(raw)) {
    if (key !== 'port' && key !== 'endPort' && key !== 'protocol') issues.add(`${path}.${key}`, 'unknown field in a port');
  }
  const port = readPortNumber(raw.port, `${path}.port`, issues);
  let endPort = port;
  if (raw.endPort !== undefined && raw.endPort !== null && raw.endPort !== 0) {
    if (typeof raw.endPort !== 'number' || !Number.isInteger(raw.endPort) || raw.endPort < 0 || raw.endPort > 65535) {
      issues.add(`${path}.endPort`, 'endPort must be an integer from 0 to 65535');
    } else if (port === 0) {
      issues.add(`${path}.endPort`, 'endPort needs a non-zero port (port 0 already means every port)');
    } else if (port !== undefined && raw.endPort < port) {
      issues.add(`${path}.endPort`, `endPort ${raw.endPort} is lower than port ${port}`);
    } else {
      endPort = raw.endPort;
    }
  }
  const protocol = readProtocol(raw.protocol, `${path}.protocol`, issues);
  if (issues.count !== before || port === undefined || endPort === undefined || protocol === undefined) return undefined;
  return { protocol, port, endPort };
}

function readPortNumber(raw: unknown, path: string, issues: IssueCollector): number | undefined {
  if (raw === undefined || raw === null || raw === '') {
    issues.add(path, 'port must be specified');
    return undefined;
  }
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string') {
    issues.add(path, 'port must be a number or a numeric string');
    return undefined;
  }
  if (!/^[0-9]+$/.test(text)) {
    // IANA service names have at least one letter; Cilium resolves them per pod, we cannot
    if (/[a-zA-Z]/.test(text)) issues.add(path, `named port ${JSON.stringify(text)} is not supported: use the port number`);
    else issues.add(path, `invalid port ${JSON.stringify(text)}`);
    return undefined;
  }
  const port = Number(text);
  if (port > 65535) {
    issues.add(path, `port ${port} is out of range (0 to 65535)`);
    return undefined;
  }
  return port;
}

function readProtocol(raw: unknown, path: string, issues: IssueCollector): PortProtocol | undefined {
  if (raw === undefined || raw === null || raw === '') return 'ANY';
  if (typeof raw !== 'string') {
    issues.add(path, 'protocol must be TCP, UDP or ANY');
    return undefined;
  }
  const upper = raw.toUpperCase();
  if (upper === 'TCP' || upper === 'UDP' || upper === 'ANY') return upper;
  issues.add(path, `protocol ${JSON.stringify(raw)} is not supported: use TCP, UDP or ANY`);
  return undefined;
}

/** rules of an allow entry: only dns is enforceable. Returns null when there are no DNS rules. */
function readRules(raw: unknown, path: string, issues: IssueCollector): DnsNameRule[] | null {
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) {
    issues.add(path, 'rules must be an object (dns)');
    return null;
  }
  for (const key of Object.keys(raw)) {
    if (key !== 'dns') issues.add(`${path}.${key}`, UNSUPPORTED_L7_FIELDS[key] ?? 'unknown field in rules');
  }
  if (raw.dns === undefined || raw.dns === null) return null;
  if (!Array.isArray(raw.dns)) {
    issues.add(`${path}.dns`, 'dns must be a list of matchName/matchPattern selectors');
    return null;
  }
  // an empty list is no DNS rule at all, as in Cilium: the port is not proxied
  if (raw.dns.length === 0) return null;
  const rules: DnsNameRule[] = [];
  raw.dns.forEach((entry, k) => {
    const at = `${path}.dns[${k}]`;
    const read = readFqdnSelector(entry);
    if ('problems' in read) {
      for (const p of read.problems) issues.add(p.field === '' ? at : `${at}.${p.field}`, p.reason);
    } else {
      rules.push({ selector: read.selector, path: at });
    }
  });
  return rules;
}
