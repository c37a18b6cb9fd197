import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeAllowlist, diffAllowlist, hostAllowlistEntries, type CidrRule, type FqdnGrant, type PortRange } from './allowlist.js';
import { allowlistAllows } from './allowlistLookup.js';
import { hostPrefixKey, parseIp, parsePrefix, prefixCovers } from './ipPrefix.js';
import { portRuleMatches } from './portRule.js';

const tcp = (portLo: number, portHi = portLo): PortRange => ({ portLo, portHi, proto: 6 });

/** The oracle: evaluate the policy rules directly, without prefixes or merging. */
function evaluate(rules: readonly CidrRule[], grants: readonly FqdnGrant[], ip: string, port: number, proto: number): boolean {
  const address = parseIp(ip);
  const host = { ...address, length: address.family === 4 ? 32 : 128 };
  const portsMatch = (ports: readonly PortRange[] | undefined) =>
    ports === undefined || ports.length === 0 || ports.some((range) => portRuleMatches({ ...range, deny: false }, port, proto));
  const ruleMatches = (rule: CidrRule) =>
    prefixCovers(parsePrefix(rule.cidr), host) &&
    !(rule.except ?? []).some((except) => prefixCovers(parsePrefix(except), host)) &&
    portsMatch(rule.ports);
  if (rules.some((rule) => rule.deny === true && ruleMatches(rule))) return false;
  const grantMatches = grants.some((grant) => {
    const g = parseIp(grant.ip);
    return g.family === address.family && g.bits === address.bits && portsMatch(grant.ports);
  });
  return grantMatches || rules.some((rule) => rule.deny !== true && ruleMatches(rule));
}

// policies small enough to hit every case: nested and overlapping prefixes, excepts, port ranges, denies
const v4 = fc
  .tuple(fc.constantFrom(0, 10), fc.constantFrom(0, 1, 2), fc.constantFrom(0, 1, 255), fc.constantFrom(0, 1, 7, 255))
  .map(([a, b, c, d]) => `${a}.${b}.${c}.${d}`);
const v6 = fc.constantFrom('2001:db8::', '2001:db8::1', '2001:db8:1::7', '::', 'fe80::1');
const address = fc.oneof(v4, v4, v6);
const prefix = fc
  .tuple(address, fc.constantFrom(0, 8, 16, 24, 30, 32, 64, 127, 128))
  .map(([ip, length]) => `${ip}/${ip.includes(':') ? length : Math.min(length, 32)}`);
const port = fc.constantFrom(0, 53, 80, 443, 1000, 65535);
const range = fc
  .tuple(port, port, fc.constantFrom(0, 6, 17))
  .map(([a, b, proto]) => ({ portLo: Math.min(a, b), portHi: Math.max(a, b), proto }));
const ports = fc.option(fc.array(range, { minLength: 1, maxLength: 2 }), { nil: undefined });
const cidrRule = fc.record({
  cidr: prefix,
  except: fc.array(prefix, { maxLength: 2 }),
  ports,
  deny: fc.boolean(),
});
const grant = fc.record({ ip: address, ports });

describe('fqdn > computeAllowlist', () => {
  it('copies covering rules into more specific prefixes and honours except', () => {
    const entries = computeAllowlist(
      [
        { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'], ports: [tcp(443)] },
        { cidr: '10.1.2.0/24', ports: [tcp(80)] },
        { cidr: '10.0.5.0/24', ports: [tcp(22)], deny: true },
      ],
      [{ ip: '10.0.5.9', ports: [tcp(22)] }, { ip: '10.200.0.1', ports: [tcp(8080)] }],
    );
    expect(entries).toEqual([
      { prefix: '10.0.0.0/8', rules: [{ portLo: 443, portHi: 443, proto: 6, deny: false }] },
      { prefix: '10.1.0.0/16', rules: [] },
      { prefix: '10.1.2.0/24', rules: [{ portLo: 80, portHi: 80, proto: 6, deny: false }] },
      {
        prefix: '10.200.0.1/32',
        rules: [
          { portLo: 443, portHi: 443, proto: 6, deny: false },
          { portLo: 8080, portHi: 8080, proto: 6, deny: false },
        ],
      },
    ]);
    // 10.0.5.0/24 and 10.0.5.9/32 are left out: the deny shadows the FQDN grant of port 22 and
    // overlaps no other allow, so both would repeat the rules of 10.0.0.0/8.
    expect(allowlistAllows(entries, '10.0.5.9', 22, 6)).toBe(false);
    expect(allowlistAllows(entries, '10.1.9.9', 443, 6)).toBe(false);
    expect(allowlistAllows(entries, '10.1.2.3', 80, 6)).toBe(true);
    expect(allowlistAllows(entries, '10.1.2.3', 443, 6)).toBe(false);
    expect(allowlistAllows(entries, '192.0.2.1', 443, 6)).toBe(false);
  });

  it('keeps IPv4 and IPv6 apart and gives FQDN addresses all ports when their rule has none', () => {
    const entries = computeAllowlist([{ cidr: '::/0', ports: [tcp(443)] }], [{ ip: '2001:db8::5' }, { ip: '192.0.2.1' }]);
    expect(entries.map((e) => e.prefix)).toEqual(['192.0.2.1/32', '::/0', '2001:db8::5/128']);
    expect(allowlistAllows(entries, '192.0.2.1', 5353, 17)).toBe(true);
    expect(allowlistAllows(entries, '192.0.2.2', 443, 6)).toBe(false);
    expect(allowlistAllows(entries, '2001:db8::9', 443, 6)).toBe(true);
    expect(allowlistAllows(entries, '2001:db8::5', 5353, 17)).toBe(true);
  });

  it('fails with ERR_ALLOWLIST_OVERFLOW naming the prefix past 16 rules', () => {
    const ports = Array.from({ length: 17 }, (_, i) => tcp(1000 + i * 10));
    expect(() => computeAllowlist([{ cidr: '192.0.2.0/24', ports }])).toThrow(
      expect.objectContaining({ code: 'ERR_ALLOWLIST_OVERFLOW', message: expect.stringContaining('192.0.2.0/24') }),
    );
    // Touching ranges merge, so 17 adjacent ports fit in one rule.
    const adjacent = Array.from({ length: 17 }, (_, i) => tcp(1000 + i));
    expect(computeAllowlist([{ cidr: '192.0.2.0/24', ports: adjacent }])[0]?.rules).toHaveLength(1);
  });

  it('LPM over the entries equals direct evaluation of the rules (property)', () => {
    fc.assert(
      fc.property(
        fc.array(cidrRule, { maxLength: 4 }),
        fc.array(grant, { maxLength: 3 }),
        fc.array(fc.tuple(address, port, fc.constantFrom(6, 17)), { minLength: 1, maxLength: 12 }),
        (rules, grants, probes) => {
          const entries = computeAllowlist(rules, grants);
          for (const [ip, p, proto] of probes) {
            expect(allowlistAllows(entries, ip, p, proto), `${ip} ${p}/${proto}`).toBe(evaluate(rules, grants, ip, p, proto));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('fqdn > hostAllowlistEntries', () => {
  it("gives each host address exactly computeAllowlist's entry, or null where it has none (property)", () => {
    fc.assert(
      fc.property(fc.array(cidrRule, { maxLength: 4 }), fc.array(grant, { maxLength: 3 }), fc.array(address, { minLength: 1, maxLength: 4 }), (rules, grants, ips) => {
        const full = new Map(computeAllowlist(rules, grants).map((e) => [e.prefix, e]));
        // the pipeline asks for the addresses of the grants that changed, and for addresses no longer granted
        const asked = [...ips, ...grants.map((g) => g.ip)];
        const hosts = hostAllowlistEntries(rules, grants, asked);
        expect([...hosts.keys()].sort()).toEqual([...new Set(asked.map(hostPrefixKey))].sort());
        for (const [prefix, entry] of hosts) expect(entry, prefix).toEqual(full.get(prefix) ?? null);
      }),
      { numRuns: 3000 },
    );
  });

  it('fails with ERR_ALLOWLIST_OVERFLOW naming the host past 16 rules', () => {
    const grants = Array.from({ length: 17 }, (_, i) => ({ ip: '192.0.2.7', ports: [tcp(i * 2)] }));
    expect(() => hostAllowlistEntries([], grants, ['192.0.2.7'])).toThrow(expect.objectContaining({ code: 'ERR_ALLOWLIST_OVERFLOW', message: expect.stringContaining('192.0.2.7/32') }));
  });
});

describe('fqdn > diffAllowlist', () => {
  it('puts new and changed prefixes and deletes removed ones', () => {
    const before = computeAllowlist([{ cidr: '10.0.0.0/8', ports: [tcp(443)] }], [{ ip: '192.0.2.1' }, { ip: '192.0.2.2' }]);
    const after = computeAllowlist([{ cidr: '10.0.0.0/8', ports: [tcp(80)] }], [{ ip: '192.0.2.1' }, { ip: '192.0.2.3' }]);
    const diff = diffAllowlist(before, after);
    expect(diff.puts.map((e) => e.prefix)).toEqual(['10.0.0.0/8', '192.0.2.3/32']);
    expect(diff.deletes).toEqual(['192.0.2.2/32']);
    expect(diffAllowlist(after, after)).toEqual({ puts: [], deletes: [] });
  });

  it('applying the diff to the old map yields the new map (property)', () => {
    const ip = fc.constantFrom('192.0.2.1', '192.0.2.2', '198.51.100.7', '2001:db8::1');
    const grants = fc.array(fc.record({ ip, ports: fc.constantFrom(undefined, [tcp(443)], [tcp(80), tcp(443)]) }), { maxLength: 4 });
    const rules = fc.array(
      fc.record({ cidr: fc.constantFrom('192.0.2.0/24', '0.0.0.0/0', '198.51.100.0/25'), ports: fc.constantFrom(undefined, [tcp(22)]) }),
      { maxLength: 2 },
    );
    fc.assert(
      fc.property(rules, grants, rules, grants, (r1, g1, r2, g2) => {
        const before = computeAllowlist(r1, g1);
        const after = computeAllowlist(r2, g2);
        const { puts, deletes } = diffAllowlist(before, after);
        const map = new Map(before.map((e) => [e.prefix, e.rules]));
        for (const put of puts) map.set(put.prefix, put.rules);
        for (const prefix of deletes) map.delete(prefix);
        expect(Object.fromEntries(map)).toEqual(Object.fromEntries(after.map((e) => [e.prefix, e.rules])));
      }),
    );
  });
});
