// Issue 8: the agent killed with SIGKILL. Enforcement goes on from the pinned maps while it is
// down, and the new agent rebuilds its state from the log without forgetting an allowed address
// before its expiry.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../support/env.js';
import { AgentProcess, PeerClient, PeerServer, Resolver, Testbed, RESOLVER4, scenarioPolicy } from '../../src/testbed/index.js';
import { packageRoot } from '../../src/paths.js';

const policy = scenarioPolicy({
  name: 'app', app: 'client', resolvers: [`${RESOLVER4}/32`], dnsProtocol: 'UDP',
  dnsPatterns: ['*.allowed.test'], fqdns: [{ matchPattern: '*.allowed.test' }],
});

describeKernel('agent > SIGKILL and restart', () => {
  let bed: Testbed;
  let resolver: Resolver;
  let server: PeerServer;
  let client: PeerClient;
  let dir: string;
  let pinRoot: string;
  const agents: AgentProcess[] = [];
  const start = async () => {
    const a = await AgentProcess.start(bed, { policyDir: join(dir, 'policies'), logDir: join(dir, 'log'), pinRoot, keepPinned: true, socket: join(dir, 'agent.sock') });
    agents.push(a);
    return a;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-restart-'));
    execFileSync('mkdir', ['-p', join(dir, 'policies')]);
    writeFileSync(join(dir, 'policies', 'app.yaml'), policy);
    pinRoot = `/sys/fs/bpf/sluice-test-${randomBytes(4).toString('hex')}`;
    bed = Testbed.create({ pods: [{ name: 'client', labels: { app: 'client' } }] });
    resolver = await Resolver.start(bed.world, [{ origin: 'test.', records: ['api.allowed 300 IN A 198.51.100.20', 'short.allowed 3 IN A 198.51.100.21'] }]);
    server = await PeerServer.start(bed.world, ['tcp:[::]:80']);
    client = await PeerClient.start(bed.pod('client').netns);
  });

  afterAll(async () => {
    client?.stop();
    for (const a of agents) await a.stop('SIGKILL');
    // the last agent ran with keepPinned: a clean stop of a fresh one removes programs and pins
    if (bed) {
      const last = await AgentProcess.start(bed, { policyDir: join(dir, 'policies'), logDir: join(dir, 'log'), pinRoot, keepPinned: false, socket: join(dir, 'agent.sock') }).catch(() => undefined);
      await last?.stop();
    }
    server?.stop();
    resolver?.stop();
    bed?.destroy();
    if (existsSync(pinRoot)) rmSync(pinRoot, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps allowed connections working while the agent is down and restores its state on restart', async () => {
    const first = await start();
    expect(await client.lookupConnect(RESOLVER4, 'api.allowed.test', 4, 80)).toMatchObject({ ok: true });
    expect(await client.lookupConnect(RESOLVER4, 'short.allowed.test', 4, 80)).toMatchObject({ ok: true });
    const live = await client.tcp('198.51.100.20', 80, { hold: true });
    expect(live.ok).toBe(true);

    await first.stop('SIGKILL');
    // down: the pinned allowlist and conntrack keep deciding
    expect(await client.send(live.id!)).toMatchObject({ ok: true });
    expect(await client.tcp('198.51.100.20', 80)).toMatchObject({ ok: true });
    expect(await client.tcp('198.51.100.99', 80, { timeoutMs: 300 })).toMatchObject({ ok: false });

    await new Promise((r) => setTimeout(r, 3500)); // short.allowed.test's TTL runs out while down
    const second = await start();
    // rebuilt from the log: the address allowed 300 s ago-to-be is still allowed, before any new lookup
    expect(await client.tcp('198.51.100.20', 80)).toMatchObject({ ok: true });
    // and the one whose TTL ran out while the agent was down is gone
    expect(await client.tcp('198.51.100.21', 80, { timeoutMs: 300 })).toMatchObject({ ok: false });
    expect(await client.send(live.id!)).toMatchObject({ ok: true });
    const cache = JSON.parse(execFileSync(process.execPath, [join(packageRoot, 'bin', 'sluice.js'), 'fqdn', 'cache', '--socket', second.socketPath, '-o', 'json'], { encoding: 'utf8' })) as { entries: { name: string; ip: string }[] };
    expect(cache.entries).toContainEqual(expect.objectContaining({ name: 'api.allowed.test', ip: '198.51.100.20' }));
    expect(cache.entries).not.toContainEqual(expect.objectContaining({ name: 'short.allowed.test' }));
    await client.close(live.id!);
  });

  it('answers DNS for allowed names across an agent crash: the queries wait in the supervisor\'s sockets', async () => {
    const agent = agents.at(-1)!;
    expect(await client.lookupConnect(RESOLVER4, 'api.allowed.test', 4, 80)).toMatchObject({ ok: true });
    const pid = agent.agentPid;
    const readyAt = agent.crashAgent().then(() => Date.now());
    await new Promise((r) => setTimeout(r, 50)); // the agent is gone, the next one not yet ready
    const sentAt = Date.now();
    // glibc's resolver defaults: 5 s per try, 2 tries
    const during = await client.lookupConnect(RESOLVER4, 'api.allowed.test', 4, 80, { dnsTimeoutMs: 5000, dnsTries: 2 });
    expect(sentAt).toBeLessThan(await readyAt); // sent while no agent ran
    expect(agent.agentPid).not.toBe(pid);
    expect(during).toMatchObject({ ok: true, addresses: ['198.51.100.20'] });
  });

  it('the test bed removes the pins of an agent that died with its supervisor, unless it was told to keep them', async () => {
    const root = `/sys/fs/bpf/sluice-test-${randomBytes(4).toString('hex')}`;
    // a node of its own: the one above has its agent running
    const own = Testbed.create({ pods: [{ name: 'client', labels: { app: 'client' } }] });
    try {
      const crashing = await AgentProcess.start(own, { policyDir: join(dir, 'policies'), logDir: join(dir, 'log-crash'), pinRoot: root, keepPinned: false, socket: join(dir, 'crash.sock') });
      expect(existsSync(join(root, 'allowlist'))).toBe(true);
      // supervisor first, so nothing starts the agent again; nothing of theirs removes the pins
      process.kill(crashing.pid!, 'SIGKILL');
      process.kill(crashing.agentPid!, 'SIGKILL');
      await crashing.stop();
      expect(existsSync(root)).toBe(false);
    } finally {
      own.destroy();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
