// Trace scenarios: realistic policies from test/fixtures/policies, resolved for a few pods, then
// asked the questions the DNS proxy and the datapath ask.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decideConnection } from './decideConnection.js';
import { decideDnsQuery } from './decideDnsQuery.js';
import { parsePolicies } from './parsePolicies.js';
import { applyPolicies, emptyRepository } from './repository.js';
import { resolveEndpointPolicies } from './resolve.js';
import type { Endpoint, EndpointPolicy } from './types.js';

const load = (...names: string[]) =>
  parsePolicies(names.map((name) => ({ file: name, text: readFileSync(new URL(`../../test/fixtures/policies/${name}`, import.meta.url), 'utf8') })));

const endpoints: Endpoint[] = [
  { name: 'runner-1', namespace: 'ci', labels: { app: 'runner' }, ipv4: '10.0.1.10' },
  { name: 'runner-priv', namespace: 'ci', labels: { app: 'runner', tier: 'privileged' }, ipv4: '10.0.1.11' },
  { name: 'cache', namespace: 'ci', labels: { app: 'cache' }, ipv4: '10.0.1.20', ipv6: 'fd00::20' },
  { name: 'cache-other-ns', namespace: 'dev', labels: { app: 'cache' }, ipv4: '10.0.2.20' },
  { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ipv4: '10.0.0.10' },
  { name: 'web', namespace: 'shop', labels: { role: 'web' }, ipv4: '10.0.3.10' },
  { name: 'ledger', namespace: 'payments', labels: { app: 'ledger' }, ipv4: '10.0.4.10' },
  { name: 'postgres', namespace: 'payments', labels: { app: 'postgres' }, ipv4: '10.0.4.20' },
];

const { state } = applyPolicies(emptyRepository(), load('ci-egress.yaml', 'platform.yaml', 'list.yaml'));
const resolved = resolveEndpointPolicies(state, endpoints, { nodeAddresses: ['192.0.2.1', '2001:db8::1'] });
const policyOf = (name: string): EndpointPolicy => resolved.find((p) => p.endpoint.name === name)!;

describe('policy > trace > resolution', () => {
  it('enforces egress only where a policy with egress rules selects the endpoint', () => {
    expect(resolved.map((p) => [p.endpoint.name, p.enforced])).toEqual([
      ['runner-1', true], ['runner-priv', true], ['cache', true], ['cache-other-ns', true],
      ['coredns', true], ['web', true], ['ledger', true], ['postgres', true],
    ]);
    // every pod is selected by the clusterwide deny-cloud-metadata (egressDeny enforces too)
    expect(policyOf('runner-priv').selectedBy.map((k) => k.name)).toEqual(['deny-cloud-metadata']);
    expect(policyOf('runner-1').selectedBy.map((k) => k.name)).toEqual(['deny-cloud-metadata', 'ci-egress']);
  });

  it('turns toEndpoints into /32 and /128 rules of the selected pods, scoped to the policy namespace', () => {
    const cacheRules = policyOf('runner-1').cidrRules.filter((r) => r.ref.path === 'spec.egress[3].toEndpoints[0]');
    expect(cacheRules.map((r) => r.cidr)).toEqual(['10.0.1.20/32', 'fd00::20/128']);
    expect(cacheRules[0]!.ports).toEqual([{ protocol: 'TCP', port: 6379, endPort: 6379 }]);
    expect(cacheRules[0]!.ref).toEqual({ kind: 'CiliumNetworkPolicy', namespace: 'ci', name: 'ci-egress', revision: 1, path: 'spec.egress[3].toEndpoints[0]' });
    // the explicit namespace label reaches across namespaces
    expect(policyOf('runner-1').cidrRules.filter((r) => r.ref.path === 'spec.egress[0].toEndpoints[0]').map((r) => r.cidr)).toEqual(['10.0.0.10/32']);
  });

  it('lists CIDR allows with excepts and port ranges, entities and denies', () => {
    const web = policyOf('web');
    expect(web.cidrRules.map((r) => [r.action, r.cidr, r.except, r.ports, r.ref.path])).toEqual([
      ['deny', '169.254.169.254/32', [], [{ protocol: 'TCP', port: 80, endPort: 80 }], 'spec.egressDeny[0].toCIDR[0]'],
      ['allow', '192.0.2.53/32', [], [{ protocol: 'UDP', port: 53, endPort: 53 }], 'spec.egress[0].toCIDR[0]'],
      ['allow', '192.0.2.54/32', [], [{ protocol: 'UDP', port: 53, endPort: 53 }], 'spec.egress[1].toCIDR[0]'],
      ['allow', '192.0.2.1/32', [], [{ protocol: 'ANY', port: 0, endPort: 0 }], 'spec.egress[2].toEntities[0]'],
      ['allow', '2001:db8::1/128', [], [{ protocol: 'ANY', port: 0, endPort: 0 }], 'spec.egress[2].toEntities[0]'],
      ['allow', '0.0.0.0/0', [], [{ protocol: 'TCP', port: 443, endPort: 443 }], 'spec.egress[3].toEntities[0]'],
      ['allow', '::/0', [], [{ protocol: 'TCP', port: 443, endPort: 443 }], 'spec.egress[3].toEntities[0]'],
      ['deny', '203.0.113.0/24', [], [{ protocol: 'ANY', port: 0, endPort: 0 }], 'spec.egressDeny[0].toCIDRSet[0]'],
    ]);
    const runner = policyOf('runner-1');
    expect(runner.cidrRules.find((r) => r.cidr === '198.51.100.0/24')).toMatchObject({ except: ['198.51.100.128/25'], ports: [{ protocol: 'TCP', port: 8000, endPort: 8080 }] });
  });

  it('lists the FQDN selectors that DNS answers will fill', () => {
    expect(policyOf('runner-1').fqdnRules.map((r) => [r.selector, r.ports, r.ref.path])).toEqual([
      [{ matchName: 'github.com' }, [{ protocol: 'TCP', port: 443, endPort: 443 }], 'spec.egress[1].toFQDNs[0]'],
      [{ matchPattern: '*.github.com' }, [{ protocol: 'TCP', port: 443, endPort: 443 }], 'spec.egress[1].toFQDNs[1]'],
      [{ matchPattern: '**.githubusercontent.com' }, [{ protocol: 'TCP', port: 443, endPort: 443 }], 'spec.egress[1].toFQDNs[2]'],
    ]);
  });

  it('marks DNS proxying per port and protocol, with a match-all for a selector without rules.dns', () => {
    const runner = policyOf('runner-1').dnsRules;
    expect(runner.map((d) => [d.port, d.protocol, d.names?.length ?? null])).toEqual([[53, 'TCP', 3], [53, 'UDP', 3]]);
    const web = policyOf('web').dnsRules;
    expect(web.map((d) => [d.port, d.protocol, d.names === null ? 'all names' : d.names.map((n) => n.selector), d.ref.path])).toEqual([
      [53, 'UDP', [{ matchPattern: '*.example.com' }], 'spec.egress[0].toPorts[0]'],
      [53, 'UDP', 'all names', 'spec.egress[1].toPorts[0]'],
    ]);
  });
});

describe('policy > trace > DNS queries', () => {
  const runner = policyOf('runner-1');
  const ask = (ep: EndpointPolicy, qname: string, server?: string, protocol: 'TCP' | 'UDP' = 'UDP', port = 53) =>
    decideDnsQuery(ep, { qname, protocol, port, ...(server === undefined ? {} : { server }) });

  it('allows names that match rules.dns on the kube-dns server, case and trailing dot aside', () => {
    expect(ask(runner, 'API.GitHub.com.', '10.0.0.10')).toMatchObject({
      verdict: 'allowed', policy: 'ci/ci-egress', rule: 'spec.egress[0].toPorts[0].rules.dns[0]',
    });
    expect(ask(runner, 'github.com', '10.0.0.10', 'TCP').rule).toBe('spec.egress[0].toPorts[0].rules.dns[1]');
    expect(ask(runner, 'a.b.c.githubusercontent.com', '10.0.0.10').verdict).toBe('allowed');
  });

  it('denies other names at the proxy, naming the rule it checked', () => {
    const d = ask(runner, 'github.com.evil.io', '10.0.0.10');
    expect(d).toMatchObject({ verdict: 'denied', policy: 'ci/ci-egress', rule: 'spec.egress[0].toPorts[0]' });
    expect(d.reason).toMatch(/matches no rules.dns/);
    expect(ask(runner, 'githubusercontent.com', '10.0.0.10').verdict).toBe('denied');
  });

  it('denies DNS to a server no rule names (default deny)', () => {
    expect(ask(runner, 'github.com', '192.0.2.99')).toMatchObject({ verdict: 'denied', policy: null, rule: null });
  });

  it('checks names only against the rules of the server asked; a rule without rules.dns allows every name', () => {
    const web = policyOf('web');
    expect(ask(web, 'shop.example.com', '192.0.2.53').verdict).toBe('allowed');
    expect(ask(web, 'anything.org', '192.0.2.53').verdict).toBe('denied');
    expect(ask(web, 'anything.org', '192.0.2.54')).toMatchObject({ verdict: 'allowed', rule: 'spec.egress[1].toPorts[0]' });
    // TCP/53 is not allowed to either server
    expect(ask(web, 'shop.example.com', '192.0.2.53', 'TCP').verdict).toBe('denied');
  });

  it('lets unproxied DNS through on an L3-only allow (the host entity), any name', () => {
    const d = ask(policyOf('web'), 'anything.org', '192.0.2.1');
    expect(d).toMatchObject({ verdict: 'allowed', rule: 'spec.egress[2].toEntities[0]' });
    expect(d.reason).toMatch(/not DNS-proxied/);
  });

  it('uses an L4-only DNS rule for any server, and * allows every name', () => {
    expect(ask(policyOf('ledger'), 'whatever.internal', '198.51.100.7')).toMatchObject({ verdict: 'allowed', policy: 'payments/ledger-db', rule: 'specs[1].egress[0].toPorts[0].rules.dns[0]' });
  });

  it('without a server, assumes one the policy names', () => {
    expect(ask(runner, 'api.github.com').verdict).toBe('allowed');
    expect(ask(runner, 'example.org').verdict).toBe('denied');
  });

  it('allows everything for an endpoint no egress policy selects', () => {
    const free = resolveEndpointPolicies(applyPolicies(emptyRepository(), load('ci-egress.yaml')).state, [{ name: 'x', namespace: 'other', labels: {} }], { nodeAddresses: [] })[0]!;
    expect(free.enforced).toBe(false);
    expect(ask(free, 'anything', '192.0.2.99')).toMatchObject({ verdict: 'allowed', policy: null });
    expect(decideConnection(free, { dst: '192.0.2.99', port: 1, protocol: 'TCP' }).verdict).toBe('allowed');
  });
});

describe('policy > trace > connections', () => {
  const runner = policyOf('runner-1');
  const github = { 'api.github.com': ['140.82.112.6'], 'objects.githubusercontent.com.': ['185.199.108.133', '2606:50c0:8000::154'] };

  it('allows the IPs of resolved names only on the ports of the toFQDNs rule', () => {
    expect(decideConnection(runner, { dst: '140.82.112.6', port: 443, protocol: 'TCP', resolved: github })).toMatchObject({
      verdict: 'allowed', policy: 'ci/ci-egress', rule: 'spec.egress[1].toFQDNs[1]',
    });
    expect(decideConnection(runner, { dst: '2606:50c0:8000::154', port: 443, protocol: 'TCP', resolved: github }).rule).toBe('spec.egress[1].toFQDNs[2]');
    expect(decideConnection(runner, { dst: '140.82.112.6', port: 80, protocol: 'TCP', resolved: github }).verdict).toBe('denied');
    expect(decideConnection(runner, { dst: '140.82.112.6', port: 443, protocol: 'TCP' }).verdict).toBe('denied');
  });

  it('honours CIDR excepts and port ranges', () => {
    expect(decideConnection(runner, { dst: '198.51.100.7', port: 8080, protocol: 'TCP' }).verdict).toBe('allowed');
    expect(decideConnection(runner, { dst: '198.51.100.7', port: 8081, protocol: 'TCP' }).verdict).toBe('denied');
    expect(decideConnection(runner, { dst: '198.51.100.200', port: 8000, protocol: 'TCP' }).verdict).toBe('denied');
    expect(decideConnection(runner, { dst: '198.51.100.7', port: 8000, protocol: 'UDP' }).verdict).toBe('denied');
  });

  it('reaches only the cache pod of its own namespace', () => {
    expect(decideConnection(runner, { dst: '10.0.1.20', port: 6379, protocol: 'TCP' }).verdict).toBe('allowed');
    expect(decideConnection(runner, { dst: '10.0.2.20', port: 6379, protocol: 'TCP' }).verdict).toBe('denied');
  });

  it('lets egressDeny win over an allow', () => {
    const web = policyOf('web');
    expect(decideConnection(web, { dst: '198.51.100.5', port: 443, protocol: 'TCP' })).toMatchObject({ verdict: 'allowed', rule: 'spec.egress[3].toEntities[0]' });
    const denied = decideConnection(web, { dst: '203.0.113.5', port: 443, protocol: 'TCP' });
    expect(denied).toMatchObject({ verdict: 'denied', policy: 'web-public-dns', rule: 'spec.egressDeny[0].toCIDRSet[0]' });
    expect(denied.reason).toMatch(/denied by egressDeny/);
  });

  it('allows the host entity on every port and protocol (L3-only rule)', () => {
    expect(decideConnection(policyOf('web'), { dst: '2001:db8::1', port: 10250, protocol: 'TCP' }).verdict).toBe('allowed');
  });

  it('an empty rule {} allows nothing but still enforces', () => {
    const ledger = policyOf('ledger');
    expect(decideConnection(ledger, { dst: '10.0.4.20', port: 5432, protocol: 'TCP' }).verdict).toBe('allowed');
    expect(decideConnection(ledger, { dst: '10.0.4.20', port: 5433, protocol: 'TCP' }).verdict).toBe('denied');
    expect(policyOf('postgres').enforced).toBe(true);
  });
});
