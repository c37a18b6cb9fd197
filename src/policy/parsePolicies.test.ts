import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { isSluiceError, type SluiceError } from '../errors.js';
import { formatIssue, issuesOf } from './issues.js';
import { parsePolicies } from './parsePolicies.js';

const fixture = (name: string) => ({ file: name, text: readFileSync(new URL(`../../test/fixtures/policies/${name}`, import.meta.url), 'utf8') });

function issuesFor(text: string): string[] {
  try {
    parsePolicies([{ file: 'p.yaml', text }]);
  } catch (err) {
    expect(isSluiceError(err, 'ERR_POLICY_INVALID')).toBe(true);
    return issuesOf(err as SluiceError).map(formatIssue);
  }
  return [];
}

const header = (spec: string) => `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: p
spec:
  endpointSelector: {}
${spec.split('\n').map((line) => `  ${line}`).join('\n')}`;

describe('policy > parsePolicies > fixtures', () => {
  it('reads a namespaced policy with every peer kind', () => {
    const [p] = parsePolicies([fixture('ci-egress.yaml')]);
    expect(p).toMatchObject({ kind: 'CiliumNetworkPolicy', namespace: 'ci', name: 'ci-egress', basePath: '' });
    const rules = p!.specs[0]!.rules;
    expect(rules.map((r) => r.peer.kind)).toEqual(['endpoints', 'fqdns', 'cidrs', 'endpoints']);
    expect(rules[0]!.toPorts[0]).toEqual({
      path: 'spec.egress[0].toPorts[0]',
      ports: [{ protocol: 'ANY', port: 53, endPort: 53 }],
      dns: [
        { selector: { matchPattern: '*.github.com' }, path: 'spec.egress[0].toPorts[0].rules.dns[0]' },
        { selector: { matchName: 'github.com' }, path: 'spec.egress[0].toPorts[0].rules.dns[1]' },
        { selector: { matchPattern: '**.githubusercontent.com' }, path: 'spec.egress[0].toPorts[0].rules.dns[2]' },
      ],
    });
    expect(rules[0]!.peer).toMatchObject({ kind: 'endpoints', items: [{ selector: { matchLabels: { 'io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns' } } }] });
    expect(rules[2]!.peer).toEqual({ kind: 'cidrs', field: 'toCIDRSet', items: [{ block: { cidr: '198.51.100.0/24', except: ['198.51.100.128/25'] }, path: 'spec.egress[2].toCIDRSet[0]' }] });
    expect(rules[2]!.toPorts[0]!.ports).toEqual([{ protocol: 'TCP', port: 8000, endPort: 8080 }]);
  });

  it('reads several documents, skipping the empty one after a final ---', () => {
    const policies = parsePolicies([fixture('platform.yaml')]);
    expect(policies.map((p) => [p.kind, p.namespace, p.name, p.source.document])).toEqual([
      ['CiliumClusterwideNetworkPolicy', null, 'deny-cloud-metadata', 0],
      ['CiliumClusterwideNetworkPolicy', null, 'web-public-dns', 1],
    ]);
    expect(policies[0]!.specs[0]!.rules[0]).toMatchObject({ action: 'deny', peer: { items: [{ block: { cidr: '169.254.169.254/32' } }] } });
  });

  it('reads List objects with specs, status and bookkeeping metadata', () => {
    const policies = parsePolicies([fixture('list.yaml')]);
    expect(policies.map((p) => [p.namespace, p.name, p.basePath])).toEqual([['payments', 'lockdown', 'items[0]'], ['payments', 'ledger-db', 'items[1]']]);
    expect(policies[0]!.specs[0]).toMatchObject({ enforcesEgress: true, rules: [{ peer: { kind: 'none' } }] });
    expect(policies[1]!.specs.map((s) => s.path)).toEqual(['specs[0]', 'specs[1]']);
    expect(policies[1]!.specs[1]!.rules[0]!.peer).toEqual({ kind: 'any' });
  });

  it('reports every problem of a file with file, document and YAML path', () => {
    expect(() => parsePolicies([fixture('invalid/mixed.yaml')])).toThrow(/invalid policy: invalid\/mixed.yaml: document 0/);
    const issues = (() => {
      try {
        parsePolicies([fixture('invalid/mixed.yaml')]);
        return [];
      } catch (err) {
        return issuesOf(err as SluiceError).map(formatIssue);
      }
    })();
    expect(issues).toEqual([
      'invalid/mixed.yaml: document 0: spec.egress[0]: combining toFQDNs and toCIDR in one rule is not supported (as in Cilium); write one rule per peer kind',
      `invalid/mixed.yaml: document 0: spec.egress[0].toFQDNs[1].matchPattern: invalid characters in matchPattern "bad pattern.com": only a-z, A-Z, 0-9, '-', '_', '.', '*' are allowed`,
      'invalid/mixed.yaml: document 1: spec.ingress: ingress rules are not supported: Sluice enforces egress only',
      'invalid/mixed.yaml: document 1: spec.egress[0].toPorts[0].ports[0].port: named port "http" is not supported: use the port number',
      'invalid/mixed.yaml: document 1: spec.egress[0].toPorts[0].rules.http: L7 HTTP rules are not supported: Sluice enforces DNS rules only',
    ]);
  });

  it('reports YAML syntax errors with the document', () => {
    expect(() => parsePolicies([fixture('invalid/syntax.yaml')])).toThrow(/invalid\/syntax.yaml: document 0: YAML syntax: /);
  });

  it('is all or nothing across files', () => {
    expect(() => parsePolicies([fixture('ci-egress.yaml'), fixture('invalid/mixed.yaml')])).toThrow(/ERR_POLICY_INVALID|invalid policy/);
  });

  it('refuses the same policy twice in one set', () => {
    expect(() => parsePolicies([fixture('ci-egress.yaml'), fixture('ci-egress.yaml')])).toThrow(/ci\/ci-egress is defined twice/);
  });
});

describe('policy > parsePolicies > validation', () => {
  const table: [string, string, RegExp][] = [
    ['toFQDNs in egressDeny', 'egressDeny:\n  - toFQDNs: [{matchName: a.com}]', /spec.egressDeny\[0\].toFQDNs: egressDeny does not support toFQDNs/],
    ['rules in egressDeny', 'egressDeny:\n  - toPorts: [{ports: [{port: "53"}], rules: {dns: [{matchName: a.com}]}}]', /spec.egressDeny\[0\].toPorts\[0\].rules: egressDeny toPorts take no rules/],
    ['both selector fields', 'egress:\n  - toFQDNs: [{matchName: a.com, matchPattern: "*.a.com"}]', /spec.egress\[0\].toFQDNs\[0\]: set only one of matchName and matchPattern/],
    ['empty selector', 'egress:\n  - toFQDNs: [{}]', /spec.egress\[0\].toFQDNs\[0\]: set exactly one/],
    ['long pattern', `egress:\n  - toFQDNs: [{matchPattern: "${'a'.repeat(256)}"}]`, /toFQDNs\[0\].matchPattern: matchPattern is 256 characters long; the limit is 255/],
    ['dns rules on port 0', 'egress:\n  - toPorts: [{ports: [{port: "0"}], rules: {dns: [{matchName: a.com}]}}]', /ports\[0\].port: DNS rules cannot be used when a port is 0/],
    ['dns rules on a range', 'egress:\n  - toPorts: [{ports: [{port: "53", endPort: 54}], rules: {dns: [{matchName: a.com}]}}]', /ports\[0\].endPort: DNS rules do not support port ranges/],
    ['dns rules without ports', 'egress:\n  - toPorts: [{rules: {dns: [{matchName: a.com}]}}]', /toPorts\[0\].ports: ports must list at least one port/],
    ['SCTP', 'egress:\n  - toPorts: [{ports: [{port: "9", protocol: SCTP}]}]', /protocol "SCTP" is not supported/],
    ['port out of range', 'egress:\n  - toPorts: [{ports: [{port: "70000"}]}]', /port 70000 is out of range/],
    ['endPort below port', 'egress:\n  - toPorts: [{ports: [{port: "90", endPort: 80}]}]', /endPort 80 is lower than port 90/],
    ['bad CIDR', 'egress:\n  - toCIDR: ["10.0.0.0/33"]', /toCIDR\[0\]: unable to parse CIDR "10.0.0.0\/33"/],
    ['except outside', 'egress:\n  - toCIDRSet: [{cidr: 10.0.0.0/8, except: [192.0.2.0/24]}]', /toCIDRSet\[0\].except\[0\]: 192.0.2.0\/24 is not inside 10.0.0.0\/8/],
    ['CIDR set without bits', 'egress:\n  - toCIDRSet: [{cidr: 10.0.0.1}]', /toCIDRSet\[0\].cidr: unable to parse CIDR/],
    ['unsupported entity', 'egress:\n  - toEntities: [cluster]', /toEntities\[0\]: entity "cluster" is not supported by Sluice/],
    ['unknown entity', 'egress:\n  - toEntities: [moon]', /unknown entity "moon"/],
    ['toServices', 'egress:\n  - toServices: [{k8sService: {serviceName: a}}]', /toServices is not supported/],
    ['unknown rule field', 'egress:\n  - toFQDN: [{matchName: a.com}]', /spec.egress\[0\].toFQDN: unknown field in an egress rule/],
    ['bad operator', 'egress:\n  - toEndpoints: [{matchExpressions: [{key: a, operator: Has}]}]', /matchExpressions\[0\].operator: operator must be one of In, NotIn, Exists, DoesNotExist/],
    ['In without values', 'egress:\n  - toEndpoints: [{matchExpressions: [{key: a, operator: In}]}]', /operator In needs at least one value/],
    ['reserved label', 'egress:\n  - toEndpoints: [{matchLabels: {"reserved:host": ""}}]', /label source "reserved" is not supported/],
    ['empty peer list', 'egress:\n  - toFQDNs: []\n    toPorts: [{ports: [{port: "443"}]}]', /toFQDNs: toFQDNs is an empty list/],
    ['L7 Kafka', 'egress:\n  - toPorts: [{ports: [{port: "9092", protocol: TCP}], rules: {kafka: [{topic: a}]}}]', /rules.kafka: L7 Kafka rules are not supported/],
    ['nodeSelector', 'nodeSelector: {}', /spec.nodeSelector: nodeSelector \(host policies\) is not supported/],
  ];
  for (const [what, spec, reason] of table) {
    it(`rejects ${what}`, () => {
      const issues = issuesFor(header(spec));
      expect(issues.join('\n')).toMatch(reason);
      expect(issues.every((i) => i.startsWith('p.yaml: document 0: '))).toBe(true);
    });
  }

  const docs: [string, string, RegExp][] = [
    ['wrong apiVersion', 'apiVersion: cilium.io/v1\nkind: CiliumNetworkPolicy\nmetadata: {name: a}\nspec: {endpointSelector: {}}', /apiVersion: apiVersion must be cilium.io\/v2/],
    ['a Kubernetes NetworkPolicy', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {}', /Kubernetes NetworkPolicy is not read/],
    ['no name', 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {}\nspec: {endpointSelector: {}}', /metadata.name: name must be a lowercase DNS subdomain/],
    ['namespace on a clusterwide policy', 'apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: a, namespace: x}\nspec: {endpointSelector: {}}', /a CiliumClusterwideNetworkPolicy has no namespace/],
    ['no spec', 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a}', /a policy needs spec or specs/],
    ['no endpointSelector', 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a}\nspec: {egress: [{}]}', /spec.endpointSelector: endpointSelector is required/],
    ['a scalar document', 'just a string', /a policy document must be a mapping/],
    ['duplicate keys', 'apiVersion: cilium.io/v2\napiVersion: cilium.io/v2', /YAML syntax: Map keys must be unique/],
    ['a bad item of a List', 'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: cilium.io/v2\n    kind: CiliumNetworkPolicy\n    metadata: {name: a}\n    spec: {endpointSelector: {}, egress: [{toCIDR: [nope]}]}', /document 0: items\[0\].spec.egress\[0\].toCIDR\[0\]: unable to parse CIDR "nope"/],
    ['a List without items', 'apiVersion: v1\nkind: List', /items: a List needs an items list/],
    ['foreign namespace in endpointSelector', 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a, namespace: x}\nspec: {endpointSelector: {matchLabels: {k8s:io.kubernetes.pod.namespace: y}}}', /cannot select endpoints of namespace y/],
  ];
  for (const [what, text, reason] of docs) {
    it(`rejects ${what}`, () => {
      expect(issuesFor(text).join('\n')).toMatch(reason);
    });
  }

  it('defaults the namespace of a CiliumNetworkPolicy to default and normalises addresses', () => {
    const [p] = parsePolicies([{ file: 'p.yaml', text: header('egress:\n  - toCIDR: ["2001:DB8::1", "10.1.2.3/8"]') }]);
    expect(p!.namespace).toBe('default');
    expect(p!.specs[0]!.rules[0]!.peer).toMatchObject({ items: [{ block: { cidr: '2001:db8::1/128' } }, { block: { cidr: '10.0.0.0/8' } }] });
  });
});

describe('policy > parsePolicies > fuzz', () => {
  function outcome(text: string): 'ok' | 'invalid' {
    try {
      parsePolicies([{ file: 'fuzz.yaml', text }]);
      return 'ok';
    } catch (err) {
      expect(isSluiceError(err, 'ERR_POLICY_INVALID')).toBe(true);
      const issues = issuesOf(err as SluiceError);
      expect(issues.length).toBeGreaterThan(0);
      for (const issue of issues) {
        expect(issue.file).toBe('fuzz.yaml');
        expect(issue.reason.length).toBeGreaterThan(0);
      }
      return 'invalid';
    }
  }

  it('never crashes on random text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => void outcome(text)), { numRuns: 500 });
  });

  it('never crashes on random YAML values', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => void outcome(stringify(value))), { numRuns: 300 });
  });

  const name = fc.string({ maxLength: 40 });
  const selector = fc.oneof(fc.record({ matchName: name }), fc.record({ matchPattern: name }), fc.record({ matchName: name, matchPattern: name }), fc.anything());
  const port = fc.oneof(fc.integer({ min: -5, max: 70000 }), fc.string({ maxLength: 6 }), fc.constantFrom('53', '443', 'dns'));
  const rule = fc.record(
    {
      toFQDNs: fc.array(selector, { maxLength: 3 }),
      toCIDR: fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 }), fc.constant('10.0.0.0/8')), { maxLength: 2 }),
      toEntities: fc.array(fc.constantFrom('world', 'host', 'all', 'cluster', 'x'), { maxLength: 2 }),
      toPorts: fc.array(
        fc.record({ ports: fc.array(fc.record({ port, protocol: fc.constantFrom('TCP', 'udp', 'ANY', 'SCTP', '') }), { maxLength: 3 }), rules: fc.record({ dns: fc.array(selector, { maxLength: 3 }) }) }, { requiredKeys: [] }),
        { maxLength: 2 },
      ),
    },
    { requiredKeys: [] },
  );
  const policy = fc.record({
    apiVersion: fc.constantFrom('cilium.io/v2', 'v1'),
    kind: fc.constantFrom('CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy', 'List'),
    metadata: fc.record({ name: fc.oneof(fc.constant('p'), name) }, { requiredKeys: [] }),
    spec: fc.record({ endpointSelector: fc.oneof(fc.constant({}), fc.anything()), egress: fc.array(rule, { maxLength: 3 }), egressDeny: fc.array(rule, { maxLength: 2 }) }, { requiredKeys: [] }),
  });

  it('never crashes on random policy-shaped documents, and accepted ones carry only valid selectors', () => {
    fc.assert(
      fc.property(fc.array(policy, { minLength: 1, maxLength: 3 }), (docs) => {
        const text = docs.map((d) => stringify(d)).join('---\n');
        outcome(text);
      }),
      { numRuns: 300 },
    );
  });
});
