import { Subject, VirtualTimeScheduler, VirtualAction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { DnsExchange } from '../dns/index.js';
import { SluiceError } from '../errors.js';
import type { AllowlistEntry, FqdnCacheOptions, FqdnSelector } from '../fqdn/index.js';
import { createFqdnPipeline } from './fqdnPipeline.js';
import { expiryTicks } from './operators/expiryTicks.js';
import { fromEndpointPolicy } from './policyAdapter.js';
import type { AllowlistWriter, EndpointAllowlistPolicy, PipelineEvent, PipelineInput } from './types.js';

const https = [{ portLo: 443, portHi: 443, proto: 6 }];
const suffix = (s: string): FqdnSelector => ({ selector: `matchPattern: *.${s}`, matches: (n) => n.endsWith(`.${s}`), ports: https });
const policy = (...selectors: FqdnSelector[]): EndpointAllowlistPolicy => ({ cidrRules: [{ cidr: '10.0.0.0/8', ports: https }], fqdnSelectors: selectors });

let nextEvent = 0;
const exchange = (endpointId: number, qname: string, ips: string[], ttlSec = 30, answeredAt = 0): DnsExchange => ({
  dnsEventId: `dns-${++nextEvent}`,
  endpointId,
  client: { addr: '10.1.0.5', port: 4000 },
  question: { qname, qtype: 'A', server: '192.0.2.53', port: 53, protocol: 'UDP' },
  decision: { allowed: true, rule: null, policy: null },
  answer: { rcode: 'NOERROR', addresses: ips.map((ip) => ({ ip, type: 'A' as const, ttl: ttlSec })), cnames: [], ttlSec: ips.length === 0 ? undefined : ttlSec },
  truncated: false,
  answeredAt,
});

interface Write { endpointId: number; puts: string[]; deletes: string[] }

/** A writer that records writes and can hold or fail them on demand. */
function recordingWriter() {
  const writes: Write[] = [];
  const maps = new Map<number, Map<string, AllowlistEntry>>();
  let gate: Promise<void> = Promise.resolve();
  let failNext: Error | undefined;
  const writer: AllowlistWriter = {
    async apply(endpointId, puts, deletes) {
      await gate;
      if (failNext !== undefined) {
        const err = failNext;
        failNext = undefined;
        throw err;
      }
      writes.push({ endpointId, puts: puts.map((p) => p.prefix), deletes: [...deletes] });
      const map = maps.get(endpointId) ?? new Map<string, AllowlistEntry>();
      for (const put of puts) map.set(put.prefix, put);
      for (const prefix of deletes) map.delete(prefix);
      maps.set(endpointId, map);
    },
  };
  return {
    writer, writes, maps,
    hold: () => { let release = () => undefined as void; gate = new Promise((r) => { release = r; }); return () => release(); },
    failOnce: (err: Error) => { failNext = err; },
  };
}

function setup(isInUse = (_e: number, _ip: string) => false, cache: Partial<FqdnCacheOptions> = {}) {
  const recorder = recordingWriter();
  const ticks = new Subject<PipelineInput>();
  const pipeline = createFqdnPipeline({ writer: recorder.writer, isInUse, ticks, cache });
  const events: PipelineEvent[] = [];
  pipeline.events$.subscribe((event) => events.push(event));
  const tick = async (now: number) => { ticks.next({ kind: 'tick', now }); await settle(); };
  return { ...recorder, pipeline, events, tick };
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('pipeline > fqdn pipeline', () => {
  it('folds in answers the proxy released already: a repeat changes nothing, a later expiry is written and logged', async () => {
    const { pipeline, writes, events } = setup();
    pipeline.setPolicy(1, policy(suffix('example.com')));
    await pipeline.onAnswer(exchange(1, 'api.example.com', ['192.0.2.1'], 30, 1_500));
    await settle();
    const written = writes.length;
    const logged = events.length;
    // within the same second of expiry (expiries are rounded up to the second)
    pipeline.onReleased(exchange(1, 'api.example.com', ['192.0.2.1'], 30, 1_900));
    await settle();
    expect(writes.length).toBe(written);
    expect(events.length).toBe(logged);
    // a later answer moves the expiry: same as through onAnswer, an fqdn.allowed with its new expiry
    pipeline.onReleased(exchange(1, 'api.example.com', ['192.0.2.1'], 30, 5_000));
    await settle();
    expect(events.slice(logged)).toEqual([expect.objectContaining({ type: 'fqdn.allowed', data: expect.objectContaining({ ip: '192.0.2.1', expiresAt: new Date(35_000).toISOString() }) })]);
  });

  it('programs the selected addresses before releasing the answer, then emits fqdn.allowed with its DNS event', async () => {
    const { pipeline, writes, events, maps, hold } = setup();
    pipeline.setPolicy(1, policy(suffix('example.com')));
    await settle();
    expect(writes).toEqual([{ endpointId: 1, puts: ['10.0.0.0/8'], deletes: [] }]);
    const release = hold();
    let released = false;
    const answer = exchange(1, 'api.example.com', ['192.0.2.1', '10.9.9.9'], 30, 1_000);
    const done = pipeline.onAnswer(answer).then(() => (released = true));
    await settle();
    expect(released).toBe(false);
    release();
    await done;
    expect(writes[1]).toEqual({ endpointId: 1, puts: ['192.0.2.1/32'], deletes: [] });
    expect([...maps.get(1)!.keys()].sort()).toEqual(['10.0.0.0/8', '192.0.2.1/32']);
    expect(events).toEqual([
      { type: 'fqdn.allowed', causeId: answer.dnsEventId, timeMs: 1_000, data: { endpointId: 1, name: 'api.example.com', ip: '192.0.2.1', selector: 'matchPattern: *.example.com', expiresAt: new Date(31_000).toISOString(), ttlSec: 30, dnsEventId: answer.dnsEventId } },
      { type: 'fqdn.allowed', causeId: answer.dnsEventId, timeMs: 1_000, data: expect.objectContaining({ ip: '10.9.9.9' }) },
    ]);
  });

  it('shares learned addresses with other endpoints that select the name, and not with others', async () => {
    const { pipeline, writes, events } = setup();
    pipeline.setPolicy(1, policy(suffix('example.com')));
    pipeline.setPolicy(2, policy(suffix('example.com')));
    pipeline.setPolicy(3, policy(suffix('example.org')));
    await settle();
    writes.length = 0;
    await pipeline.onAnswer(exchange(1, 'api.example.com', ['192.0.2.1']));
    await settle();
    expect(writes.sort((a, b) => a.endpointId - b.endpointId)).toEqual([
      { endpointId: 1, puts: ['192.0.2.1/32'], deletes: [] },
      { endpointId: 2, puts: ['192.0.2.1/32'], deletes: [] },
    ]);
    expect(events.map((e) => e.data.endpointId).sort()).toEqual([1, 2]);
  });

  it('a name outside toFQDNs resolves but programs nothing', async () => {
    const { pipeline, writes, events } = setup();
    pipeline.setPolicy(1, policy(suffix('example.com')));
    await settle();
    writes.length = 0;
    await pipeline.onAnswer(exchange(1, 'other.example.net', ['192.0.2.9']));
    expect(writes).toEqual([]);
    expect(events).toEqual([]);
  });

  it('fails the answer when the write fails, reports it, and repairs on the next write', async () => {
    const { pipeline, writes, events, failOnce, maps } = setup();
    pipeline.setPolicy(1, policy(suffix('example.com')));
    await settle();
    failOnce(new SluiceError('ERR_MAP_UPDATE', 'update allowlist: no space left on device'));
    await expect(pipeline.onAnswer(exchange(1, 'a.example.com', ['192.0.2.1']))).rejects.toMatchObject({ code: 'ERR_MAP_UPDATE' });
    expect(events).toMatchObject([{ type: 'allowlist.write-failed', data: { endpointId: 1, code: 'ERR_MAP_UPDATE' } }]);
    await pipeline.onAnswer(exchange(1, 'b.example.com', ['192.0.2.2']));
    expect(writes.at(-1)).toEqual({ endpointId: 1, puts: ['192.0.2.1/32', '192.0.2.2/32'], deletes: [] });
    expect(maps.get(1)?.size).toBe(3);
  });

  it('after a failed write, a repeated answer is held until a repair has programmed its addresses', async () => {
    const { pipeline, writes, failOnce, maps } = setup();
    pipeline.setPolicy(1, policy(suffix('example.com')));
    await settle();
    failOnce(new SluiceError('ERR_MAP_UPDATE', 'update allowlist: no space left on device'));
    await expect(pipeline.onAnswer(exchange(1, 'a.example.com', ['192.0.2.1'], 30, 1_000))).rejects.toMatchObject({ code: 'ERR_MAP_UPDATE' });
    // the client retries at once: the cache knows the address already (same expiry), the map does not
    const written = writes.length;
    await pipeline.onAnswer(exchange(1, 'a.example.com', ['192.0.2.1'], 30, 1_000));
    expect(writes.length).toBe(written + 1);
    expect(maps.get(1)?.has('192.0.2.1/32')).toBe(true);
    // and while the repair fails too, the answer fails with it
    failOnce(new SluiceError('ERR_MAP_UPDATE', 'update allowlist: no space left on device'));
    await expect(pipeline.onAnswer(exchange(1, 'b.example.com', ['192.0.2.2'], 30, 1_000))).rejects.toMatchObject({ code: 'ERR_MAP_UPDATE' });
    failOnce(new SluiceError('ERR_MAP_UPDATE', 'update allowlist: no space left on device'));
    await expect(pipeline.onAnswer(exchange(1, 'b.example.com', ['192.0.2.2'], 30, 1_000))).rejects.toMatchObject({ code: 'ERR_MAP_UPDATE' });
    await pipeline.onAnswer(exchange(1, 'b.example.com', ['192.0.2.2'], 30, 1_000));
    expect(maps.get(1)?.has('192.0.2.2/32')).toBe(true);
  });

  it('fails the answer when the allowlist does not fit the datapath', async () => {
    const { pipeline } = setup();
    const ports = Array.from({ length: 17 }, (_, i) => ({ portLo: 1000 + 10 * i, portHi: 1000 + 10 * i, proto: 6 }));
    pipeline.setPolicy(1, { cidrRules: [], fqdnSelectors: [{ ...suffix('example.com'), ports }] });
    await expect(pipeline.onAnswer(exchange(1, 'a.example.com', ['192.0.2.1']))).rejects.toMatchObject({ code: 'ERR_ALLOWLIST_OVERFLOW' });
  });

  it('does not release a repeated answer before the first one is programmed', async () => {
    const { pipeline, hold } = setup();
    pipeline.setPolicy(1, policy(suffix('example.com')));
    await settle();
    const release = hold();
    const order: string[] = [];
    const first = pipeline.onAnswer(exchange(1, 'a.example.com', ['192.0.2.1'])).then(() => order.push('first'));
    const second = pipeline.onAnswer(exchange(1, 'a.example.com', ['192.0.2.1'])).then(() => order.push('second'));
    await settle();
    expect(order).toEqual([]);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
  });

  it('expires addresses at their TTL with deletes and fqdn.expired; one in use leaves the allowlist too', async () => {
    // a live connection needs no allowlist entry (the datapath's conntrack carries it), and a new
    // connection after the TTL must be dropped: the in-use address only keeps its name in the cache
    const live = new Set<string>(['192.0.2.2']);
    const { pipeline, writes, events, tick } = setup((_, ip) => live.has(ip));
    pipeline.setPolicy(1, policy(suffix('example.com')));
    const answer = exchange(1, 'a.example.com', ['192.0.2.1', '192.0.2.2'], 10, 0);
    await pipeline.onAnswer(answer);
    await settle();
    events.length = 0;
    writes.length = 0;
    await tick(9_999);
    expect(writes).toEqual([]);
    await tick(10_000);
    expect(writes).toEqual([{ endpointId: 1, puts: [], deletes: ['192.0.2.1/32', '192.0.2.2/32'] }]);
    expect(events).toHaveLength(2);
    expect(events).toEqual(expect.arrayContaining(['192.0.2.1', '192.0.2.2'].map((ip) => (
      { type: 'fqdn.expired', causeId: answer.dnsEventId, timeMs: 10_000, data: { endpointId: 1, name: 'a.example.com', ip, reason: 'ttl' } }
    ))));
    // when the connection ends the kept name goes too, with nothing left to write or announce
    live.clear();
    events.length = 0;
    await tick(11_000);
    expect(writes).toHaveLength(1);
    expect(events).toEqual([]);
  });

  it('an address pushed out by the per-name limit while a connection uses it leaves the allowlist at once, announced', async () => {
    // before, it stayed in the map until its connection ended, and no fqdn.expired ever said so
    const live = new Set<string>(['192.0.2.1']);
    const { pipeline, writes, events, maps, tick } = setup((_, ip) => live.has(ip), { maxAddressesPerName: 1 });
    pipeline.setPolicy(1, policy(suffix('example.com')));
    const first = exchange(1, 'a.example.com', ['192.0.2.1'], 60, 0);
    await pipeline.onAnswer(first);
    await settle();
    events.length = 0;
    writes.length = 0;
    await pipeline.onAnswer(exchange(1, 'a.example.com', ['192.0.2.2'], 60, 1_000)); // pushes 192.0.2.1 out
    await settle();
    expect([...maps.get(1)!.keys()].filter((k) => k.startsWith('192.0.2.')).sort()).toEqual(['192.0.2.2/32']);
    expect(events.filter((e) => e.type === 'fqdn.expired')).toEqual([
      { type: 'fqdn.expired', causeId: first.dnsEventId, timeMs: 1_000, data: { endpointId: 1, name: 'a.example.com', ip: '192.0.2.1', reason: 'evicted' } },
    ]);
    // when the connection ends, the kept address goes without a second announcement
    live.clear();
    events.length = 0;
    await tick(2_000);
    expect(events).toEqual([]);
  });

  it('restores addresses known before a restart with their own expiry and no new events; flush waits for the writes', async () => {
    const { pipeline, maps, events, tick } = setup();
    pipeline.setPolicy(1, policy(suffix('example.com')));
    await pipeline.restore([
      { endpointId: 1, name: 'a.example.com', ip: '192.0.2.1', expiresAt: 60_000, dnsEventId: 'dns-before' },
      { endpointId: 1, name: 'b.example.com', ip: '192.0.2.2', expiresAt: 5_000, dnsEventId: 'dns-old' }, // already expired
      { endpointId: 1, name: 'c.other.org', ip: '192.0.2.3', expiresAt: 60_000, dnsEventId: 'dns-unselected' },
    ], 10_000);
    await pipeline.flush();
    expect([...maps.get(1)!.keys()].sort()).toEqual(['10.0.0.0/8', '192.0.2.1/32']);
    expect(events).toEqual([]);
    await tick(59_999);
    expect(maps.get(1)!.has('192.0.2.1/32')).toBe(true);
    await tick(60_000);
    expect(maps.get(1)!.has('192.0.2.1/32')).toBe(false);
    expect(events).toEqual([expect.objectContaining({ type: 'fqdn.expired', causeId: 'dns-before' })]);
  });

  it('removing a policy deletes the whole allowlist', async () => {
    const { pipeline, writes } = setup();
    pipeline.setPolicy(1, policy(suffix('example.com')));
    await pipeline.onAnswer(exchange(1, 'a.example.com', ['192.0.2.1']));
    pipeline.setPolicy(1, undefined);
    await settle();
    expect(writes.at(-1)).toEqual({ endpointId: 1, puts: [], deletes: ['10.0.0.0/8', '192.0.2.1/32'] });
  });

  it('runs expiry from the injected scheduler in virtual time', async () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 30_000);
    const recorder = recordingWriter();
    const pipeline = createFqdnPipeline({ writer: recorder.writer, isInUse: () => false, scheduler, expiryPeriodMs: 1_000 });
    const events: PipelineEvent[] = [];
    pipeline.events$.subscribe((event) => events.push(event));
    pipeline.setPolicy(1, policy(suffix('example.com')));
    await pipeline.onAnswer(exchange(1, 'a.example.com', ['192.0.2.1'], 20, 0));
    scheduler.flush();
    await settle();
    expect(events.filter((e) => e.type === 'fqdn.expired')).toEqual([expect.objectContaining({ timeMs: 20_000 })]);
  });
});

describe('pipeline > expiryTicks', () => {
  it('ticks every period with the scheduler clock (marbles)', () => {
    const testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    testScheduler.run(({ expectObservable }) => {
      expectObservable(expiryTicks(5, testScheduler), '^ 16ms !').toBe('5ms a 4ms b 4ms c', {
        a: { kind: 'tick', now: 5 },
        b: { kind: 'tick', now: 10 },
        c: { kind: 'tick', now: 15 },
      });
    });
  });
});

describe('pipeline > policyAdapter', () => {
  it("maps src/policy's resolved rules to allowlist inputs", () => {
    const adapted = fromEndpointPolicy(
      {
        cidrRules: [{ action: 'deny', cidr: '192.0.2.0/24', except: ['192.0.2.128/25'], ports: [{ protocol: 'ANY', port: 0, endPort: 0 }] }],
        fqdnRules: [{ selector: { matchName: 'api.example.com' }, ports: [{ protocol: 'TCP', port: 8000, endPort: 8080 }, { protocol: 'UDP', port: 53, endPort: 53 }] }],
      },
      { matches: (s, name) => s.matchName === name, describe: (s) => `matchName: ${s.matchName}` },
    );
    expect(adapted.cidrRules).toEqual([{ cidr: '192.0.2.0/24', except: ['192.0.2.128/25'], ports: [{ portLo: 0, portHi: 65535, proto: 0 }], deny: true }]);
    expect(adapted.fqdnSelectors[0]).toMatchObject({ selector: 'matchName: api.example.com', ports: [{ portLo: 8000, portHi: 8080, proto: 6 }, { portLo: 53, portHi: 53, proto: 17 }] });
    expect(adapted.fqdnSelectors[0]?.matches('api.example.com')).toBe(true);
    expect(adapted.fqdnSelectors[0]?.matches('www.example.com')).toBe(false);
  });
});

describe('pipeline > repeated answers', () => {
  it('re-announces known addresses whose expiry moves, without rewriting the map', async () => {
    const { pipeline, writes, events } = setup();
    pipeline.setPolicy(1, policy(suffix('example.com')));
    pipeline.setPolicy(2, policy(suffix('example.com')));
    await pipeline.onAnswer(exchange(1, 'a.example.com', ['192.0.2.1']));
    await settle();
    writes.length = 0;
    events.length = 0;
    const again = exchange(1, 'a.example.com', ['192.0.2.1'], 30, 5_000);
    // nothing to write and no write in progress: released at once, without a promise to wait on
    expect(pipeline.onAnswer(again)).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['fqdn.allowed', 'fqdn.allowed']);
    await settle();
    expect(writes).toEqual([]);
    expect(events.map((e) => [e.type, e.data.endpointId, e.causeId, e.type === 'fqdn.allowed' ? e.data.expiresAt : null]).sort()).toEqual([
      ['fqdn.allowed', 1, again.dnsEventId, new Date(35_000).toISOString()],
      ['fqdn.allowed', 2, again.dnsEventId, new Date(35_000).toISOString()],
    ]);
  });

  it('announces nothing for answers that leave the expiry where it is (within its second)', async () => {
    const { pipeline, writes, events } = setup();
    pipeline.setPolicy(1, policy(suffix('example.com')));
    await pipeline.onAnswer(exchange(1, 'a.example.com', ['192.0.2.1'], 30, 100));
    await settle();
    events.length = 0;
    writes.length = 0;
    // 30 s from 0.1 s and from 0.9 s both end in the second that ends at 31 s
    expect(pipeline.onAnswer(exchange(1, 'a.example.com', ['192.0.2.1'], 30, 900))).toBeUndefined();
    // a shorter TTL leaves the later expiry (and the answer that set it) in place
    expect(pipeline.onAnswer(exchange(1, 'a.example.com', ['192.0.2.1'], 5, 1_000))).toBeUndefined();
    await settle();
    expect(events).toEqual([]);
    expect(writes).toEqual([]);
  });
});

describe('pipeline > allowlist patches', () => {
  it('patching the entries of new addresses programs what a whole recomputation would', async () => {
    const { pipeline, maps, writes } = setup();
    const http = [{ portLo: 80, portHi: 80, proto: 6 }];
    const web: FqdnSelector = { selector: 'matchPattern: *.web', matches: (n) => n.endsWith('.web'), ports: http };
    // a CIDR rule covering some answers, and an address shared by names granted different ports
    pipeline.setPolicy(1, { cidrRules: [{ cidr: '10.0.0.0/8', ports: https }, { cidr: '10.1.2.3/32', ports: http }], fqdnSelectors: [suffix('example.com'), web] });
    await settle();
    const answers: [string, string[]][] = [
      ['a.example.com', ['192.0.2.1', '10.9.9.9']],
      ['b.web', ['192.0.2.1', '10.1.2.3']],
      ['c.example.com', ['10.1.2.3', '2001:db8::1']],
      ['d.other', ['192.0.2.7']],
      ['e.web', ['2001:db8::1', '192.0.2.8']],
    ];
    for (const [name, ips] of answers) await pipeline.onAnswer(exchange(1, name, ips, 30, 1_000));
    const patched = new Map(maps.get(1));
    const patchWrites = writes.length;
    // a policy change recomputes everything: it must find nothing to change
    pipeline.setPolicy(1, { cidrRules: [{ cidr: '10.0.0.0/8', ports: https }, { cidr: '10.1.2.3/32', ports: http }], fqdnSelectors: [suffix('example.com'), web] });
    await pipeline.flush();
    expect(writes.length).toBe(patchWrites);
    expect(maps.get(1)).toEqual(patched);
    expect([...patched.keys()].sort()).toEqual(['10.0.0.0/8', '10.1.2.3/32', '192.0.2.1/32', '192.0.2.8/32', '2001:db8::1/128'].sort());
  });

  it('evictions and expiry are patched too, to what a whole recomputation would program', async () => {
    // two names per endpoint: every new name evicts the least recently used one
    const { pipeline, maps, writes, tick } = setup(() => false, { maxNamesPerEndpoint: 2, maxAddressesPerName: 2 });
    const policyOf = () => ({ cidrRules: [{ cidr: '10.0.0.0/8', ports: https }], fqdnSelectors: [suffix('example.com')] });
    pipeline.setPolicy(1, policyOf());
    pipeline.setPolicy(2, policyOf());
    await settle();
    const answers: [number, string, string[], number][] = [
      [1, 'a.example.com', ['192.0.2.1', '10.9.9.9'], 30],
      [1, 'b.example.com', ['192.0.2.2'], 60],
      [2, 'c.example.com', ['192.0.2.1'], 90], // the same address from another endpoint's answer
      [1, 'c.example.com', ['192.0.2.3', '192.0.2.4'], 60], // evicts a.example.com from endpoint 1
      [1, 'c.example.com', ['192.0.2.5'], 60], // past two addresses per name: the oldest goes
      [1, 'd.example.com', ['2001:db8::9'], 120], // evicts b.example.com
    ];
    const compare = async () => {
      const patched = [new Map(maps.get(1)), new Map(maps.get(2))];
      const before = writes.length;
      for (const id of [1, 2]) pipeline.setPolicy(id, policyOf());
      await pipeline.flush();
      expect(writes.length).toBe(before); // a whole recomputation finds nothing to change
      expect([maps.get(1), maps.get(2)]).toEqual(patched);
      return patched;
    };
    for (const [ep, name, ips, ttl] of answers) await pipeline.onAnswer(exchange(ep, name, ips, ttl, 1_000));
    const [afterAnswers] = await compare();
    expect([...afterAnswers!.keys()].filter((k) => k.startsWith('192.0.2.')).sort()).toEqual(['192.0.2.1/32', '192.0.2.4/32', '192.0.2.5/32']);
    await tick(1_000 + 95_000); // c.example.com (endpoint 2) and every 60 s address expire
    const [afterExpiry] = await compare();
    expect([...afterExpiry!.keys()].sort()).toEqual(['10.0.0.0/8', '2001:db8::9/128']);
  });
});
