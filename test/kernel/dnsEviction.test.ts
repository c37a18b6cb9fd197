// The proxy's fast path under name churn, end to end: an endpoint whose FQDN cache is full evicts
// a name with every new one, and each eviction takes addresses out of its allowlist. Answers whose
// addresses are untouched keep being released at once; an answer whose address was just taken
// out waits until it is programmed again, so every first connection still succeeds.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../support/env.js';
import { DnsWorld, dnsAnswersTotal, RESOLVER4, scenarioPolicy, type PeerClient, type Testbed } from '../../src/testbed/index.js';

const NAMES = 30;
const zone = [
  'popular.churn 300 IN A 192.0.2.10',
  ...Array.from({ length: NAMES }, (_, i) => `n${i}.churn 300 IN A 198.51.100.${i + 1}`),
];
const policy = scenarioPolicy({ name: 'churn', app: 'client', dnsPatterns: ['*.churn.test'], fqdns: [{ matchPattern: '*.churn.test' }] });
const METRICS = '127.0.0.1:9965';

describeKernel('dns proxy > fast path under name churn', () => {
  let world: DnsWorld | undefined;
  let bed: Testbed;
  let client: PeerClient;
  const answers = (path: 'held' | 'released') => dnsAnswersTotal(bed.node, METRICS, path);
  const lookupConnect = (name: string) => client.lookupConnect(RESOLVER4, name, 4, 80);

  beforeAll(async () => {
    // three names per endpoint: every new name pushes the least recently answered one out
    world = await DnsWorld.start({
      policy, zone, pods: [{ name: 'client', labels: { app: 'client' } }], listen: ['tcp:0.0.0.0:80'],
      agentExtra: { metrics: { address: METRICS }, fqdn: { maxNamesPerEndpoint: 3 } },
    });
    ({ bed, client } = world);
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('releases a popular answer at once while other names are evicted around it, and every connection succeeds', async () => {
    expect(await lookupConnect('popular.churn.test')).toMatchObject({ ok: true, addresses: ['192.0.2.10'] });
    const released = answers('released');
    const failures: string[] = [];
    for (let i = 0; i < NAMES; i++) {
      // a new name (held, programmed; from the fourth on it evicts an older n*)
      const fresh = await lookupConnect(`n${i}.churn.test`);
      if (!fresh.ok) failures.push(`n${i}: ${fresh.stage} ${fresh.error}`);
      // the popular name is asked between new ones, so it stays among the three
      const popular = await lookupConnect('popular.churn.test');
      if (!popular.ok) failures.push(`popular after n${i}: ${popular.stage} ${popular.error}`);
    }
    expect(failures).toEqual([]);
    // removals of the evicted names' addresses did not stop the popular answer's release (a
    // removal counted in the same slot by chance would, hence not all of them)
    expect(answers('released') - released).toBeGreaterThanOrEqual(NAMES - 3);
    // an evicted name's address is out of the allowlist
    expect(await client.tcp('198.51.100.1', 80, { timeoutMs: 300 })).toMatchObject({ ok: false });
  });

  it('an answer whose address was evicted is held until it is programmed again', async () => {
    // n0 was evicted long ago; ask it twice so the second could be released
    expect(await lookupConnect('n0.churn.test')).toMatchObject({ ok: true });
    expect(await lookupConnect('n0.churn.test')).toMatchObject({ ok: true });
    // three new names push n0 out again (and with it 198.51.100.1 from the allowlist): the
    // released repeat of n0 reaches the FQDN cache before the held answer asked after it, so n0
    // is the least recently used by the third (folded later, the repeat would keep it in)
    for (const i of [1, 2, 3]) expect(await lookupConnect(`n${i}.churn.test`)).toMatchObject({ ok: true });
    expect(await client.tcp('198.51.100.1', 80, { timeoutMs: 300 })).toMatchObject({ ok: false });
    const held = answers('held');
    const released = answers('released');
    expect(await lookupConnect('n0.churn.test')).toMatchObject({ ok: true, addresses: ['198.51.100.1'] });
    expect(answers('held')).toBe(held + 1);
    expect(answers('released')).toBe(released);
  });
});
