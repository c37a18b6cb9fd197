import { describe, expect, it } from 'vitest';
import { answerChangesNothing, applyDnsAnswer, createFqdnCache, expire, forgetEndpoint, nextExpiry, sharedAddresses, sharedNames, type DnsAnswer } from './cache.js';

const notInUse = () => false;
const answer = (over: Partial<DnsAnswer> = {}): DnsAnswer => ({
  endpointId: 1,
  name: 'api.example.com',
  addresses: ['192.0.2.1'],
  ttlSec: 30,
  dnsEventId: 'dns-1',
  ...over,
});
const ips = (state: ReturnType<typeof createFqdnCache>, name: string) => sharedAddresses(state, name).map((a) => a.ip).sort();

describe('fqdn > cache', () => {
  it('learns addresses under the normalised question name with an expiry from the TTL', () => {
    const state = createFqdnCache();
    const { updates } = applyDnsAnswer(state, answer({ name: 'API.Example.com.', addresses: ['192.0.2.1', '2001:db8::1'] }), 1_000, notInUse);
    expect(updates).toEqual([
      { type: 'learned', endpointId: 1, name: 'api.example.com', refreshed: false, ip: '192.0.2.1', expiresAt: 31_000, ttlSec: 30, dnsEventId: 'dns-1' },
      { type: 'learned', endpointId: 1, name: 'api.example.com', refreshed: false, ip: '2001:db8::1', expiresAt: 31_000, ttlSec: 30, dnsEventId: 'dns-1' },
    ]);
    expect(ips(state, 'api.example.com.')).toEqual(['192.0.2.1', '2001:db8::1']);
    expect(nextExpiry(state)).toBe(31_000);
  });

  it('rounds expiries up to the expiry grain, so answers within one grain change nothing', () => {
    const state = createFqdnCache();
    expect(applyDnsAnswer(state, answer(), 1_250, notInUse).updates[0]).toMatchObject({ expiresAt: 32_000, ttlSec: 30 });
    expect(applyDnsAnswer(state, answer({ dnsEventId: 'dns-2' }), 1_900, notInUse).updates).toEqual([]);
    expect(applyDnsAnswer(state, answer({ dnsEventId: 'dns-3' }), 2_001, notInUse).updates[0]).toMatchObject({ expiresAt: 33_000, dnsEventId: 'dns-3' });
    const exact = createFqdnCache({ expiryGrainMs: 1 });
    expect(applyDnsAnswer(exact, answer(), 1_250, notInUse).updates[0]).toMatchObject({ expiresAt: 31_250 });
  });

  it('raises TTLs below the minimum', () => {
    const state = createFqdnCache({ minTtlSec: 60 });
    const { updates } = applyDnsAnswer(state, answer({ ttlSec: 0 }), 0, notInUse);
    expect(updates[0]).toMatchObject({ ttlSec: 60, expiresAt: 60_000 });
  });

  it('expires at the TTL, not before, and reports the causing DNS event', () => {
    const state = createFqdnCache();
    applyDnsAnswer(state, answer(), 0, notInUse);
    expect(expire(state, 29_999, notInUse).updates).toEqual([]);
    expect(expire(state, 30_000, notInUse).updates).toEqual([
      { type: 'expired', endpointId: 1, name: 'api.example.com', reason: 'ttl', ip: '192.0.2.1', expiresAt: 30_000, ttlSec: 30, dnsEventId: 'dns-1' },
    ]);
    expect([...sharedNames(state)]).toEqual([]);
    expect(state.endpoints.size).toBe(0);
  });

  it('a refresh keeps the later expiry and the event that set it, and reports only a change', () => {
    const state = createFqdnCache();
    applyDnsAnswer(state, answer({ ttlSec: 300, dnsEventId: 'long' }), 0, notInUse);
    expect(applyDnsAnswer(state, answer({ ttlSec: 5, dnsEventId: 'short' }), 1_000, notInUse).updates).toEqual([]);
    expect(sharedAddresses(state, 'api.example.com')).toEqual([{ ip: '192.0.2.1', expiresAt: 300_000, dnsEventId: 'long' }]);
    expect(applyDnsAnswer(state, answer({ ttlSec: 300, dnsEventId: 'later' }), 1_000, notInUse).updates)
      .toEqual([{ type: 'learned', endpointId: 1, name: 'api.example.com', refreshed: true, ip: '192.0.2.1', expiresAt: 301_000, ttlSec: 300, dnsEventId: 'later' }]);
    applyDnsAnswer(state, answer({ ttlSec: 600, dnsEventId: 'longer' }), 2_000, notInUse);
    expect(sharedAddresses(state, 'api.example.com')).toEqual([{ ip: '192.0.2.1', expiresAt: 602_000, dnsEventId: 'longer' }]);
  });

  it('keeps an expired address while a connection uses it, then drops it', () => {
    const state = createFqdnCache();
    const live = new Set(['192.0.2.1']);
    const isInUse = (endpointId: number, ip: string) => endpointId === 1 && live.has(ip);
    applyDnsAnswer(state, answer({ addresses: ['192.0.2.1', '192.0.2.2'] }), 0, isInUse);
    const first = expire(state, 30_000, isInUse).updates;
    expect(first.map((u) => [u.type, u.ip])).toEqual([['deferred', '192.0.2.1'], ['expired', '192.0.2.2']]);
    expect(ips(state, 'api.example.com')).toEqual(['192.0.2.1']);
    expect(expire(state, 90_000, isInUse).updates).toEqual([]);
    live.clear();
    expect(expire(state, 120_000, isInUse).updates.map((u) => [u.type, u.ip])).toEqual([['expired', '192.0.2.1']]);
    expect(ips(state, 'api.example.com')).toEqual([]);
  });

  it('a fresh answer revives a kept address', () => {
    const state = createFqdnCache();
    applyDnsAnswer(state, answer(), 0, notInUse);
    expire(state, 30_000, () => true);
    applyDnsAnswer(state, answer({ dnsEventId: 'dns-2' }), 40_000, notInUse);
    expect(expire(state, 50_000, notInUse).updates).toEqual([]);
    expect(sharedAddresses(state, 'api.example.com')).toEqual([{ ip: '192.0.2.1', expiresAt: 70_000, dnsEventId: 'dns-2' }]);
  });

  it('past the per-name limit the soonest-expiring addresses go first, kept when in use', () => {
    const state = createFqdnCache({ maxAddressesPerName: 2 });
    applyDnsAnswer(state, answer({ addresses: ['192.0.2.1'], ttlSec: 10 }), 0, notInUse);
    applyDnsAnswer(state, answer({ addresses: ['192.0.2.2'], ttlSec: 100 }), 0, notInUse);
    applyDnsAnswer(state, answer({ addresses: ['192.0.2.3'], ttlSec: 20 }), 0, notInUse);
    const { updates } = applyDnsAnswer(state, answer({ addresses: ['192.0.2.4'], ttlSec: 50 }), 0, (_, ip) => ip === '192.0.2.3');
    expect(updates.map((u) => [u.type, u.ip, 'reason' in u ? u.reason : ''])).toEqual([
      ['learned', '192.0.2.4', ''],
      ['deferred', '192.0.2.3', 'limit'],
    ]);
    expect(ips(state, 'api.example.com')).toEqual(['192.0.2.2', '192.0.2.3', '192.0.2.4']);
    // the kept one is out of the live set from now, not at its TTL
    expect(sharedAddresses(state, 'api.example.com').find((a) => a.ip === '192.0.2.3')?.expiresAt).toBe(0);
  });

  it('an answer larger than the limit keeps its first addresses', () => {
    const state = createFqdnCache({ maxAddressesPerName: 2 });
    applyDnsAnswer(state, answer({ addresses: ['192.0.2.1', '192.0.2.2', '192.0.2.3'] }), 0, notInUse);
    expect(ips(state, 'api.example.com')).toEqual(['192.0.2.1', '192.0.2.2']);
  });

  it('shares addresses across endpoints until the last holder lets go', () => {
    const state = createFqdnCache();
    applyDnsAnswer(state, answer({ endpointId: 1, ttlSec: 10 }), 0, notInUse);
    applyDnsAnswer(state, answer({ endpointId: 2, ttlSec: 20, dnsEventId: 'dns-2' }), 0, notInUse);
    expect(sharedAddresses(state, 'api.example.com')).toEqual([{ ip: '192.0.2.1', expiresAt: 20_000, dnsEventId: 'dns-2' }]);
    expire(state, 10_000, notInUse);
    expect(ips(state, 'api.example.com')).toEqual(['192.0.2.1']);
    expire(state, 20_000, notInUse);
    expect(ips(state, 'api.example.com')).toEqual([]);
  });

  it('bounds names per endpoint with an LRU and reports what it pushed out', () => {
    const state = createFqdnCache({ maxNamesPerEndpoint: 2 });
    applyDnsAnswer(state, answer({ name: 'a.example', addresses: ['192.0.2.1'] }), 0, notInUse);
    applyDnsAnswer(state, answer({ name: 'b.example', addresses: ['192.0.2.2'] }), 0, notInUse);
    applyDnsAnswer(state, answer({ name: 'a.example', addresses: ['192.0.2.1'] }), 1, notInUse);
    const { updates } = applyDnsAnswer(state, answer({ name: 'c.example', addresses: ['192.0.2.3'] }), 2, notInUse);
    expect(updates.map((u) => [u.type, u.name, 'reason' in u ? u.reason : ''])).toEqual([
      ['learned', 'c.example', ''],
      ['expired', 'b.example', 'name-evicted'],
    ]);
    expect([...sharedNames(state)].sort()).toEqual(['a.example', 'c.example']);
  });

  it('a name pushed out by the name limit keeps an address a live connection uses, as a zombie expiring now', () => {
    const state = createFqdnCache({ maxNamesPerEndpoint: 1 });
    applyDnsAnswer(state, answer({ name: 'a.example', addresses: ['192.0.2.1', '192.0.2.2'], ttlSec: 60 }), 0, notInUse);
    const { updates } = applyDnsAnswer(state, answer({ name: 'b.example', addresses: ['192.0.2.3'] }), 5_000, (_, ip) => ip === '192.0.2.1');
    expect(updates.map((u) => [u.type, u.name, u.ip, 'reason' in u ? u.reason : ''])).toEqual([
      ['learned', 'b.example', '192.0.2.3', ''],
      ['deferred', 'a.example', '192.0.2.1', 'name-evicted'],
      ['expired', 'a.example', '192.0.2.2', 'name-evicted'],
    ]);
    // still known (flows to it keep their name), but no longer live: allowlists leave it out
    expect(sharedAddresses(state, 'a.example')).toEqual([{ ip: '192.0.2.1', expiresAt: 5_000, dnsEventId: 'dns-1' }]);
    // dropped once its connection ends
    expect(expire(state, 6_000, notInUse).updates.map((u) => [u.type, u.ip, 'reason' in u ? u.reason : ''])).toEqual([['expired', '192.0.2.1', 'connection-ended']]);
    expect([...sharedNames(state)]).toEqual(['b.example']);
  });

  it('bounds zombies per endpoint and reports the overflow', () => {
    const state = createFqdnCache({ maxZombiesPerEndpoint: 1 });
    applyDnsAnswer(state, answer({ addresses: ['192.0.2.1', '192.0.2.2'] }), 0, notInUse);
    const { updates } = expire(state, 30_000, () => true);
    expect(updates.map((u) => [u.type, u.ip, 'reason' in u ? u.reason : ''])).toEqual([
      ['deferred', '192.0.2.1', 'ttl'],
      ['deferred', '192.0.2.2', 'ttl'],
      ['expired', '192.0.2.1', 'zombie-overflow'],
    ]);
    expect(ips(state, 'api.example.com')).toEqual(['192.0.2.2']);
  });

  it('ignores answers without addresses and forgets removed endpoints', () => {
    const state = createFqdnCache();
    expect(applyDnsAnswer(state, answer({ addresses: [] }), 0, notInUse).updates).toEqual([]);
    applyDnsAnswer(state, answer(), 0, notInUse);
    expect(forgetEndpoint(state, 1).updates.map((u) => u.type)).toEqual(['expired']);
    expect(ips(state, 'api.example.com')).toEqual([]);
    expect(nextExpiry(state)).toBeUndefined();
  });
});

describe('fqdn > cache > answerChangesNothing', () => {
  it('is true exactly when applying the answer would yield no update, over random answer streams', async () => {
    const fc = (await import('fast-check')).default;
    const answerArb = fc.record({
      endpointId: fc.integer({ min: 1, max: 2 }),
      name: fc.constantFrom('a.test', 'B.test.', 'c.test', 'd.test'),
      addresses: fc.array(fc.constantFrom('192.0.2.1', '192.0.2.2', '192.0.2.3', '2001:db8::1'), { maxLength: 4 }),
      ttlSec: fc.integer({ min: 0, max: 5 }),
      dnsEventId: fc.constant('e'),
      dt: fc.integer({ min: 0, max: 3_000 }),
    });
    fc.assert(fc.property(fc.array(answerArb, { maxLength: 40 }), fc.integer({ min: 0, max: 2 }), (answers, minTtlSec) => {
      const state = createFqdnCache({ maxAddressesPerName: 2, maxNamesPerEndpoint: 3, minTtlSec });
      let now = 1_000;
      for (const { dt, ...a } of answers) {
        now += dt;
        if (dt > 2_000) expire(state, now, notInUse);
        const nothing = answerChangesNothing(state, a, now);
        expect(nothing).toBe(applyDnsAnswer(state, a, now, notInUse).updates.length === 0);
      }
    }), { numRuns: 500 });
  });
});
