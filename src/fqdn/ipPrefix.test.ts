import { describe, expect, it } from 'vitest';
import { canonicalPrefix, formatIp, hostPrefixKey, parseIp, parsePrefix, prefixCovers } from './ipPrefix.js';

describe('fqdn > ipPrefix', () => {
  it.each([
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['192.0.2.7', '192.0.2.7/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:DB8:0:0:1::1/128', '2001:db8::1:0:0:1/128'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1/128'],
    ['::ffff:192.0.2.1', '::ffff:c000:201/128'],
    ['::', '::/128'],
    ['1::', '1::/128'],
    ['2001:db8:1:0:0:1:0:0/128', '2001:db8:1::1:0:0/128'],
  ])('canonical form of %s is %s', (input, expected) => {
    expect(canonicalPrefix(input)).toBe(expected);
  });

  it.each(['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/x', 'example.com', '', '10.0.0.256', '2001:db8::/129'])(
    'rejects %j with ERR_CONFIG',
    (input) => {
      expect(() => parsePrefix(input)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
    },
  );

  it('covers by family, length and masked bits', () => {
    expect(prefixCovers(parsePrefix('10.0.0.0/8'), parsePrefix('10.9.0.0/16'))).toBe(true);
    expect(prefixCovers(parsePrefix('10.9.0.0/16'), parsePrefix('10.0.0.0/8'))).toBe(false);
    expect(prefixCovers(parsePrefix('10.0.0.0/8'), parsePrefix('11.0.0.0/16'))).toBe(false);
    expect(prefixCovers(parsePrefix('0.0.0.0/0'), parsePrefix('::/0'))).toBe(false);
    expect(prefixCovers(parsePrefix('::/0'), parsePrefix('2001:db8::1'))).toBe(true);
  });

  it('round-trips addresses', () => {
    const ip = parseIp('203.0.113.9');
    expect(formatIp(ip.family, ip.bits)).toBe('203.0.113.9');
  });

  it('keys an address by its canonical host prefix, the same when asked again', () => {
    for (const [ip, key] of [['192.0.2.7', '192.0.2.7/32'], ['2001:DB8:0:0:1::1', '2001:db8::1:0:0:1/128'], ['::ffff:192.0.2.1', '::ffff:c000:201/128']] as [string, string][]) {
      expect(hostPrefixKey(ip)).toBe(key);
      expect(hostPrefixKey(ip)).toBe(key);
    }
    expect(() => hostPrefixKey('192.0.2')).toThrow(/not an address/);
  });
});
