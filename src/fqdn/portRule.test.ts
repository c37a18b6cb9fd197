import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minimizePortRules, portRulesAllow, type PortRule } from './portRule.js';

const rule = (portLo: number, portHi: number, proto: number, deny = false): PortRule => ({ portLo, portHi, proto, deny });

describe('fqdn > portRule', () => {
  it('deny wins over allow', () => {
    const rules = [rule(0, 65535, 0), rule(22, 22, 6, true)];
    expect(portRulesAllow(rules, 22, 6)).toBe(false);
    expect(portRulesAllow(rules, 22, 17)).toBe(true);
    expect(portRulesAllow([], 80, 6)).toBe(false);
  });

  it('merges touching ranges of one protocol and drops covered ones', () => {
    expect(minimizePortRules([rule(80, 80, 6), rule(81, 90, 6), rule(85, 85, 6), rule(80, 80, 17)])).toEqual([
      rule(80, 90, 6),
      rule(80, 80, 17),
    ]);
    expect(minimizePortRules([rule(443, 443, 6), rule(0, 65535, 0)])).toEqual([rule(0, 65535, 0)]);
  });

  it('drops allows a deny shadows and denies no allow overlaps', () => {
    expect(minimizePortRules([rule(80, 80, 6), rule(0, 1000, 0, true)])).toEqual([]);
    expect(minimizePortRules([rule(80, 80, 6), rule(53, 53, 17, true)])).toEqual([rule(80, 80, 6)]);
    expect(minimizePortRules([rule(80, 90, 6), rule(85, 85, 0, true)])).toEqual([rule(80, 90, 6), rule(85, 85, 0, true)]);
  });

  it('never changes a verdict (property)', () => {
    const port = fc.constantFrom(0, 1, 52, 53, 54, 79, 80, 443, 1000, 65535);
    const arbRule = fc
      .tuple(port, port, fc.constantFrom(0, 6, 17), fc.boolean())
      .map(([a, b, proto, deny]) => rule(Math.min(a, b), Math.max(a, b), proto, deny));
    fc.assert(
      fc.property(fc.array(arbRule, { maxLength: 8 }), port, fc.constantFrom(6, 17), (rules, p, proto) => {
        expect(portRulesAllow(minimizePortRules(rules), p, proto)).toBe(portRulesAllow(rules, p, proto));
      }),
      { numRuns: 2000 },
    );
  });
});
