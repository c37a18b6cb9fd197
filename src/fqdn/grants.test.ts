import { describe, expect, it } from 'vitest';
import { applyDnsAnswer, createFqdnCache } from './cache.js';
import { selectedAddresses, type FqdnSelector } from './grants.js';

const suffix = (s: string): FqdnSelector => ({ selector: `matchPattern: *.${s}`, matches: (name) => name.endsWith(`.${s}`) });

describe('fqdn > selectedAddresses', () => {
  it('grants addresses learned by any endpoint to every selector that matches the name', () => {
    const state = createFqdnCache();
    applyDnsAnswer(state, { endpointId: 7, name: 'a.example.com', addresses: ['192.0.2.1'], ttlSec: 60, dnsEventId: 'e1' }, 0, () => false);
    applyDnsAnswer(state, { endpointId: 8, name: 'b.example.org', addresses: ['192.0.2.2'], ttlSec: 60, dnsEventId: 'e2' }, 0, () => false);
    const ports = [{ portLo: 443, portHi: 443, proto: 6 }];
    const selected = selectedAddresses(state, [{ ...suffix('example.com'), ports }, { selector: 'matchName: a.example.com', matches: (n) => n === 'a.example.com' }]);
    expect(selected).toEqual([
      { ip: '192.0.2.1', expiresAt: 60_000, dnsEventId: 'e1', name: 'a.example.com', selector: 'matchPattern: *.example.com', ports },
      { ip: '192.0.2.1', expiresAt: 60_000, dnsEventId: 'e1', name: 'a.example.com', selector: 'matchName: a.example.com' },
    ]);
    expect(selectedAddresses(state, [])).toEqual([]);
    expect(selectedAddresses(state, [suffix('example.net')])).toEqual([]);
  });
});
