// Issue 4 end to end: the agent in the node namespace, unbound in the world, real clients in pods.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { packageRoot } from '../../src/paths.js';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../support/env.js';
import { DnsWorld, dnsAnswersTotal, metricSample, scrapeAgentMetrics, inNetns, RESOLVER4, RESOLVER6, scenarioPolicy, type AgentProcess, type FqdnSelectorSpec, type PeerClient, type Testbed } from '../../src/testbed/index.js';
import { openTopicReader } from '../../src/log/eventLog.js';
import { DNS_THREAD_NAME } from '../../src/agent/dnsProxyThread.js';

const TRIALS = 1000;
/** IPv4 trials get 198.51.100.1-250 (nothing else in the zone uses them), the rest IPv6. */
const V4_TRIALS = 250;

const zone = [
  'api.allowed 60 IN A 192.0.2.10',
  'api.allowed 60 IN AAAA 2001:db8::10',
  'other.allowed 60 IN A 192.0.2.11',
  'x.blocked 60 IN A 192.0.2.11',
  'www2.allowed 30 IN CNAME edge2.allowed',
  'edge2.allowed 8 IN CNAME hidden.allowed',
  'hidden.allowed 60 IN A 203.0.113.30',
  'short.allowed 2 IN A 203.0.113.200',
  ...Array.from({ length: 80 }, (_, i) => `big.allowed 60 IN A 203.0.113.${100 + i}`),
  ...Array.from({ length: V4_TRIALS }, (_, i) => `t${i}.trial 60 IN A 198.51.100.${i + 1}`),
  ...Array.from({ length: TRIALS - V4_TRIALS }, (_, i) => `t${i + V4_TRIALS}.trial 60 IN AAAA 2001:db8:1::${(i + 1).toString(16)}`),
];

const policyWith = (fqdns: FqdnSelectorSpec[]) => scenarioPolicy({
  name: 'client-egress', app: 'client',
  dnsPatterns: ['*.allowed.test', '*.trial.test'],
  fqdns: [{ matchName: 'www2.allowed.test' }, { matchName: 'short.allowed.test' }, { matchName: 'big.allowed.test' }, { matchPattern: '*.trial.test' }, ...fqdns],
});
const policy = policyWith([{ matchName: 'api.allowed.test' }]);
/** The agent's Prometheus endpoint, inside the node namespace. */
const METRICS = '127.0.0.1:9964';

describeKernel('dns proxy > transparent proxy and real-time toFQDN allowlists', () => {
  let world: DnsWorld | undefined;
  let bed: Testbed;
  let agent: AgentProcess;
  let client: PeerClient;
  const dig = (pod: string, args: string[]) => {
    try {
      return inNetns(bed.pod(pod).netns, 'dig', ['+time=2', '+tries=1', ...args]);
    } catch (err) {
      return String((err as Error).message);
    }
  };

  beforeAll(async () => {
    // the peer listens dual stack ([::]:80): every world address
    world = await DnsWorld.start({
      policy, zone,
      pods: [{ name: 'client', labels: { app: 'client' } }, { name: 'stranger', labels: { app: 'stranger' } }],
      agentExtra: { metrics: { address: METRICS } },
    });
    ({ bed, agent, client } = world);
  });

  afterAll(async () => {
    await world?.stop();
  });

  it(`${TRIALS} lookup-then-connect trials: every first connection succeeds`, async () => {
    const failures: string[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const family = i < V4_TRIALS ? 4 : 6;
      // half of each family asks the IPv6 resolver: steering works for both
      const resolverAddr = i % 2 === 0 ? RESOLVER4 : RESOLVER6;
      const r = await client.lookupConnect(resolverAddr, `t${i}.trial.test`, family, 80);
      if (!r.ok) failures.push(`t${i} via ${resolverAddr}: ${r.stage} ${r.error}`);
    }
    expect(failures).toEqual([]);
    // the thousand queries made garbage on the proxy thread: its collections are on the metrics
    const text = scrapeAgentMetrics(bed.node, METRICS);
    for (const thread of ['dns-proxy', 'main']) {
      expect(metricSample(text, 'sluice_gc_pauses_total', `thread="${thread}",kind="minor"`), thread).toBeGreaterThan(0);
      expect(metricSample(text, 'sluice_gc_pause_seconds_total', `thread="${thread}",kind="minor"`), thread).toBeGreaterThan(0);
    }
  });

  it('a denied name gets REFUSED and teaches nothing; a name outside toFQDNs resolves but stays blocked', async () => {
    expect(dig('client', [`@${RESOLVER4}`, 'x.blocked.test'])).toContain('status: REFUSED');
    const other = dig('client', [`@${RESOLVER4}`, 'other.allowed.test', '+short']);
    expect(other.trim()).toBe('192.0.2.11');
    expect(await client.tcp('192.0.2.11', 80, { timeoutMs: 300 })).toMatchObject({ ok: false });
    await new Promise((r) => setTimeout(r, 300));
    const learned: string[] = [];
    openTopicReader(world!.logDir, 'policy-changes').scan({}, (rec) => {
      const e = rec.value;
      if (e.type === 'fqdn.allowed') learned.push((e.data as { name: string }).name);
    });
    expect(learned.some((n) => n.includes('blocked') || n.startsWith('other.'))).toBe(false);
    expect(learned).toContain('t0.trial.test');
    const refused: string[] = [];
    openTopicReader(world!.logDir, 'dns').scan({}, (rec) => {
      const d = rec.value.data as { query: string; rcode: string; verdict: string };
      // a denied query is never forwarded: its one event is the request, answered REFUSED
      if (d.query.startsWith('x.blocked')) refused.push(`${rec.value.type}:${d.rcode}/${d.verdict}`);
    });
    expect(refused).toEqual(['dns.request:REFUSED/denied']);
  });

  it('follows CNAME chains (the addresses belong to the queried name) and serves AAAA', async () => {
    expect(await client.lookupConnect(RESOLVER4, 'www2.allowed.test', 4, 80)).toMatchObject({ ok: true, addresses: ['203.0.113.30'] });
    expect(await client.lookupConnect(RESOLVER6, 'api.allowed.test', 6, 80)).toMatchObject({ ok: true, addresses: ['2001:db8::10'] });
  });

  it('a repeated answer is released at once while its address is programmed; after a policy took it away, the next one waits for it', async () => {
    const answers = (path: 'held' | 'released') => dnsAnswersTotal(bed.node, METRICS, path);
    const lookupConnect = () => client.lookupConnect(RESOLVER4, 'api.allowed.test', 4, 80);
    expect(await lookupConnect()).toMatchObject({ ok: true, addresses: ['192.0.2.10'] });
    const released = answers('released');
    expect(await lookupConnect()).toMatchObject({ ok: true });
    expect(answers('released')).toBe(released + 1);

    const applied = () => agent.lines.filter((l) => l.includes('policies: applied')).length;
    const apply = async (text: string) => {
      const before = applied();
      world!.writePolicy(text);
      for (let i = 0; i < 100 && applied() === before; i++) await new Promise((r) => setTimeout(r, 50));
      expect(applied()).toBe(before + 1);
    };
    // the name leaves toFQDNs: its address leaves the allowlist, and the proxy's copy with it (the
    // agent logs the applied policy before the pipeline's write, so allow that write a moment)
    await apply(policyWith([]));
    for (let i = 0; i < 20 && (await client.tcp('192.0.2.10', 80, { timeoutMs: 200 })).ok; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await client.tcp('192.0.2.10', 80, { timeoutMs: 300 })).toMatchObject({ ok: false });
    // back in the policy: nothing is programmed until an answer comes, and that answer is held for it
    await apply(policy);
    const held = answers('held');
    const releasedBefore = answers('released');
    expect(await lookupConnect()).toMatchObject({ ok: true, addresses: ['192.0.2.10'] });
    expect(answers('held')).toBe(held + 1);
    expect(answers('released')).toBe(releasedBefore);
  });

  it('handles DNS over TCP and passes truncation so the client retries over TCP', async () => {
    const tcp = dig('client', [`@${RESOLVER4}`, 'api.allowed.test', '+tcp', '+short']);
    expect(tcp.trim()).toBe('192.0.2.10');
    const big = dig('client', [`@${RESOLVER4}`, 'big.allowed.test', '+bufsize=512']);
    expect(big).toContain('Truncated, retrying in TCP mode');
    expect(big).toContain('ANSWER: 80');
    expect(await client.tcp('203.0.113.150', 80)).toMatchObject({ ok: true });
  });

  it('after TTL expiry new connections are dropped while a live one survives', async () => {
    expect(dig('client', [`@${RESOLVER4}`, 'short.allowed.test', '+short']).trim()).toBe('203.0.113.200');
    const live = await client.tcp('203.0.113.200', 80, { hold: true });
    expect(live).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 4500));
    expect(await client.tcp('203.0.113.200', 80, { timeoutMs: 300 })).toMatchObject({ ok: false });
    expect(await client.send(live.id!)).toMatchObject({ ok: true });
    await client.close(live.id!);
  });

  it('the local API shows the endpoint, its policy and the learned names', async () => {
    expect(await client.lookupConnect(RESOLVER4, 't0.trial.test', 4, 80)).toMatchObject({ ok: true });
    const cli = (args: string[]) => execFileSync(process.execPath, [join(packageRoot, 'bin', 'sluice.js'), ...args, '--socket', agent.socketPath, '-o', 'json'], { encoding: 'utf8' });
    const status = JSON.parse(cli(['status'])) as { status: { endpoints: number; policies: { count: number } } };
    expect(status.status).toMatchObject({ endpoints: 1, policies: { count: 1 } });
    const cache = JSON.parse(cli(['fqdn', 'cache'])) as { entries: { endpoint: string; name: string; ip: string }[] };
    expect(cache.entries).toContainEqual(expect.objectContaining({ endpoint: 'default/client', name: 't0.trial.test', ip: '198.51.100.1' }));
  });

  it('runs the proxy on a thread of its own that ps -L and top -H show as sluice-dns', () => {
    const pid = agent.agentPid;
    expect(pid).toBeDefined();
    const names = readdirSync(`/proc/${pid}/task`).map((tid) => readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim());
    expect(names.filter((n) => n === DNS_THREAD_NAME)).toHaveLength(1);
  });

  it('refuses queries from outside the endpoints: the proxy is not an open resolver', async () => {
    const out = dig('stranger', ['@169.254.53.53', '-p', '10053', 'api.allowed.test']);
    expect(out).toContain('status: REFUSED');
  });
});
