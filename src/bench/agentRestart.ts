// Fault: the agent process killed with SIGKILL under steady traffic from a pod; its supervisor
// starts the next one, which rebuilds its state from the log. While it is gone, connections to
// addresses it had allowed must keep working from the pinned maps (new ones to other addresses
// stay dropped), and DNS queries for allowed names wait in the proxy sockets the supervisor holds:
// they are counted as answered or failed with glibc's resolver defaults (5 s timeout, 2 tries).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, PeerClient, PeerServer, Resolver, Testbed, RESOLVER4, scenarioPolicy } from '../testbed/index.js';

export interface AgentRestartResult {
  agentRestartDnsQueries: number;
  agentRestartDnsFailures: number;
  agentRestartConnections: number;
  agentRestartDroppedAllowedConnections: number;
  /** Connections to an address no policy allows, made while the agent was down: all must fail. */
  agentRestartDeniedConnectionsLeaked: number;
  /** Time between two crashes. */
  downMs: number;
  /** The longest time from a SIGKILL to the next agent being ready. */
  restartMs: number;
}

const policy = scenarioPolicy({
  name: 'app', app: 'client', resolvers: [`${RESOLVER4}/32`], dnsProtocol: 'UDP',
  dnsPatterns: ['*.allowed.test'], fqdns: [{ matchPattern: '*.allowed.test' }],
});

export async function runAgentRestart(options: { downMs?: number; cycles?: number } = {}): Promise<AgentRestartResult> {
  const downMs = options.downMs ?? 1000;
  const cycles = options.cycles ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-restart-'));
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'app.yaml'), policy);
  const pinRoot = `/sys/fs/bpf/sluice-bench-${randomBytes(3).toString('hex')}`;
  const bed = Testbed.create({ pods: [{ name: 'client', labels: { app: 'client' } }] });
  const result: AgentRestartResult = {
    agentRestartDnsQueries: 0, agentRestartDnsFailures: 0, agentRestartConnections: 0, agentRestartDroppedAllowedConnections: 0,
    agentRestartDeniedConnectionsLeaked: 0, downMs, restartMs: 0,
  };
  let resolver: Resolver | undefined;
  let server: PeerServer | undefined;
  let dnsClient: PeerClient | undefined;
  let connClient: PeerClient | undefined;
  let agent: AgentProcess | undefined;
  const start = () => AgentProcess.start(bed, { policyDir: join(dir, 'policies'), logDir: join(dir, 'log'), pinRoot, keepPinned: true, socket: join(dir, 'agent.sock') });
  try {
    resolver = await Resolver.start(bed.world, [{ origin: 'test.', records: ['api.allowed 300 IN A 198.51.100.20'] }]);
    server = await PeerServer.start(bed.world, ['tcp:[::]:80']);
    dnsClient = await PeerClient.start(bed.pod('client').netns);
    connClient = await PeerClient.start(bed.pod('client').netns);
    agent = await start();
    const first = await dnsClient.lookupConnect(RESOLVER4, 'api.allowed.test', 4, 80);
    if (!first.ok) throw new Error(`agent restart bench: the first lookup failed: ${first.error}`);

    let running = true;
    // two loops, each waiting for its answer: DNS lookups, and connections to the learned address
    const dnsLoop = (async () => {
      while (running) {
        // glibc's defaults: 5 s per try, 2 tries
        const r = await dnsClient!.lookupConnect(RESOLVER4, 'api.allowed.test', 4, 80, { timeoutMs: 1000, dnsTimeoutMs: 5000, dnsTries: 2 });
        result.agentRestartDnsQueries++;
        if (!r.ok && r.stage === 'lookup') result.agentRestartDnsFailures++;
        await new Promise((r2) => setTimeout(r2, 20));
      }
    })();
    const connLoop = (async () => {
      while (running) {
        const r = await connClient!.tcp('198.51.100.20', 80, { timeoutMs: 1000 });
        result.agentRestartConnections++;
        if (!r.ok) result.agentRestartDroppedAllowedConnections++;
        await new Promise((r2) => setTimeout(r2, 20));
      }
    })();
    for (let i = 0; i < cycles; i++) {
      await new Promise((r) => setTimeout(r, downMs));
      const leak = connClient.tcp('198.51.100.99', 80, { timeoutMs: 300 });
      const gone = await agent.crashAgent();
      if ((await leak).ok) result.agentRestartDeniedConnectionsLeaked++;
      result.restartMs = Math.max(result.restartMs, gone);
    }
    await new Promise((r) => setTimeout(r, 1000));
    running = false;
    await Promise.all([dnsLoop, connLoop]);
    return result;
  } finally {
    dnsClient?.stop();
    connClient?.stop();
    if (agent) await agent.stop('SIGKILL');
    // a clean stop of one more agent detaches the programs and removes the pins
    const last = await AgentProcess.start(bed, { policyDir: join(dir, 'policies'), logDir: join(dir, 'log'), pinRoot, keepPinned: false, socket: join(dir, 'agent.sock') }).catch(() => undefined);
    await last?.stop();
    server?.stop();
    resolver?.stop();
    bed.destroy();
    if (existsSync(pinRoot)) rmSync(pinRoot, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
