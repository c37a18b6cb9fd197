import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decideDnsQuery } from './decideDnsQuery.js';
import { DnsDecisionCache } from './dnsDecisionCache.js';
import { parsePolicies } from './parsePolicies.js';
import { applyPolicies, emptyRepository } from './repository.js';
import { resolveEndpointPolicies } from './resolve.js';
import type { DnsQuery, Endpoint } from './types.js';

const files = ['ci-egress.yaml', 'platform.yaml', 'list.yaml'];
const policies = parsePolicies(files.map((file) => ({ file, text: readFileSync(new URL(`../../test/fixtures/policies/${file}`, import.meta.url), 'utf8') })));
const endpoints: Endpoint[] = [
  { name: 'runner-1', namespace: 'ci', labels: { app: 'runner' }, ipv4: '10.0.1.10' },
  { name: 'cache', namespace: 'ci', labels: { app: 'cache' }, ipv4: '10.0.1.20', ipv6: 'fd00::20' },
  { name: 'web', namespace: 'shop', labels: { role: 'web' }, ipv4: '10.0.3.10' },
];
const resolve = () => resolveEndpointPolicies(applyPolicies(emptyRepository(), policies).state, endpoints, { nodeAddresses: ['192.0.2.1'] });

const names = ['github.com', 'api.github.com', 'GitHub.com.', 'registry.npmjs.org', 'evil.example', 'x.internal.test', 'a|10.0.0.10'];
const servers = ['10.0.0.10', '169.254.169.254', 'fd00::10', '8.8.8.8'];

describe('policy > DNS decision cache', () => {
  it('decides every query as decideDnsQuery does, first time and again (property over a grid of queries)', () => {
    const cache = new DnsDecisionCache();
    const eps = resolve();
    for (let round = 0; round < 2; round++) {
      for (const ep of eps) {
        for (const qname of names) {
          for (const server of servers) {
            for (const [protocol, port] of [['UDP', 53], ['TCP', 53], ['UDP', 5353]] as const) {
              const query: DnsQuery = { qname, server, protocol, port };
              expect(cache.decide(ep, query)).toEqual(decideDnsQuery(ep, query));
            }
          }
        }
      }
    }
  });

  it('keeps decisions per policy object: a newly resolved policy is decided afresh', () => {
    const cache = new DnsDecisionCache();
    const [first] = resolve();
    const query: DnsQuery = { qname: 'github.com', server: '10.0.0.10', protocol: 'UDP', port: 53 };
    const before = cache.decide(first!, query);
    expect(cache.decide(first!, query)).toBe(before);
    // the same endpoint with no rules any more (a policy change resolves a new object)
    const changed = { ...first!, enforced: false };
    expect(cache.decide(changed, query)).toEqual(decideDnsQuery(changed, query));
    expect(cache.decide(changed, query)).not.toEqual(before);
  });

  it('keeps what the caller asks for, shared between queries decided alike', () => {
    const outcomes = new Map<string, { verdict: string; rule: string | null }>();
    const cache = new DnsDecisionCache((d) => {
      const key = `${d.verdict}|${d.rule}`;
      let kept = outcomes.get(key);
      if (kept === undefined) outcomes.set(key, (kept = { verdict: d.verdict, rule: d.rule }));
      return kept;
    });
    const [ep] = resolve();
    for (const qname of names) {
      for (const server of servers) {
        const query: DnsQuery = { qname, server, protocol: 'UDP', port: 53 };
        const { verdict, rule } = decideDnsQuery(ep!, query);
        expect(cache.decide(ep!, query)).toEqual({ verdict, rule });
      }
    }
    expect(outcomes.size).toBeLessThan(names.length * servers.length);
  });

  it('stays bounded, and does not keep failures', () => {
    const cache = new DnsDecisionCache(undefined, 3);
    const [ep] = resolve();
    for (let i = 0; i < 10; i++) cache.decide(ep!, { qname: `n${i}.example`, server: '10.0.0.10', protocol: 'UDP', port: 53 });
    expect(cache.kept(ep!)).toBeLessThanOrEqual(3);
    expect(cache.kept(ep!)).toBeGreaterThan(0);
    // one name asked of many servers keeps a few of them, still deciding each right
    const wide = new DnsDecisionCache();
    for (let i = 0; i < 300; i++) {
      const query: DnsQuery = { qname: 'github.com', server: `10.0.${i >> 8}.${i & 255}`, protocol: 'UDP', port: 53 };
      expect(wide.decide(ep!, query)).toEqual(decideDnsQuery(ep!, query));
    }
    expect(wide.kept(ep!)).toBe(1);
    const bad: DnsQuery = { qname: 'a.example', server: 'not-an-ip', protocol: 'UDP', port: 53 };
    expect(() => cache.decide(ep!, bad)).toThrow(/invalid server address/);
    expect(() => cache.decide(ep!, bad)).toThrow(/invalid server address/);
  });
});
