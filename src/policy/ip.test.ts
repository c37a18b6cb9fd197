import { describe, expect, it } from 'vitest';
import { formatPrefix, parseIp, parsePrefix, prefixContains } from './ip.js';

describe('policy > ip', () => {
  it('parses and canonicalises prefixes of both families', () => {
    const table: [string, string][] = [
      ['10.1.2.3/8', '10.0.0.0/8'],
      ['0.0.0.0/0', '0.0.0.0/0'],
      ['2001:DB8:0:0:1::/64', '2001:db8::/64'],
      ['::/0', '::/0'],
      ['::ffff:192.0.2.1/128', '::ffff:c000:201/128'],
      ['fd00:0:0:1:0:0:0:1/128', 'fd00:0:0:1::1/128'],
    ];
    for (const [input, canonical] of table) expect(formatPrefix(parsePrefix(input)!)).toBe(canonical);
  });

  it('refuses what Go netip refuses', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0.0/-1', '010.0.0.1/32', '10.0.0/8', 'fe80::1%eth0/64', '::/129', '10.0.0.0/08', 'x/8', '10.0.0.0']) {
      expect(parsePrefix(bad), bad).toBeUndefined();
    }
    expect(parseIp('256.0.0.1')).toBeUndefined();
  });

  it('checks containment within one family only', () => {
    const v4 = parsePrefix('198.51.100.0/24')!;
    expect(prefixContains(v4, parseIp('198.51.100.255')!)).toBe(true);
    expect(prefixContains(v4, parseIp('198.51.101.0')!)).toBe(false);
    expect(prefixContains(parsePrefix('::/0')!, parseIp('198.51.100.1')!)).toBe(false);
    expect(prefixContains(parsePrefix('2001:db8::/32')!, parseIp('2001:db8:ffff::1')!)).toBe(true);
  });
});
