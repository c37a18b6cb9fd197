// The DNS proxy's end-to-end set-up, as the kernel tests use it: pods, unbound serving a test zone
// in the world namespace, a TCP peer there to connect to, the agent with a policy file in a
// directory of its own, and a client in the first pod. Stopped in reverse order, whatever
// started.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess } from './agentProcess.js';
import { PeerClient, PeerServer } from './peerProcess.js';
import { Resolver } from './resolver.js';
import { Testbed, type PodSpec } from './testbed.js';

export interface DnsWorldOptions {
  /** The policy file's text (CiliumNetworkPolicy YAML). */
  policy: string;
  /** Zone-file lines of `test.`. */
  zone: string[];
  /** The first pod is the agent's endpoint and has the client. */
  pods: PodSpec[];
  /** What the world's peer listens on (PeerServer syntax); default TCP port 80 on every address. */
  listen?: string[];
  /** More agent config (metrics, fqdn bounds). */
  agentExtra?: Record<string, unknown>;
}

export class DnsWorld {
  bed!: Testbed;
  resolver: Resolver | undefined;
  server: PeerServer | undefined;
  agent!: AgentProcess;
  client!: PeerClient;

  /** Holds the policy file and the agent's log (`log/`). */
  private constructor(readonly dir: string) {}

  static async start(o: DnsWorldOptions): Promise<DnsWorld> {
    const world = new DnsWorld(mkdtempSync(join(tmpdir(), 'sluice-dns-world-')));
    try {
      writeFileSync(join(world.dir, 'policy.yaml'), o.policy);
      world.bed = Testbed.create({ pods: o.pods });
      world.resolver = await Resolver.start(world.bed.world, [{ origin: 'test.', records: o.zone }]);
      world.server = await PeerServer.start(world.bed.world, o.listen ?? ['tcp:[::]:80']);
      world.agent = await AgentProcess.start(world.bed, {
        policyDir: world.dir, logDir: world.logDir, pinRoot: `/sys/fs/bpf/sluice-test-${randomBytes(4).toString('hex')}`,
        pods: [o.pods[0]!.name], ...(o.agentExtra ? { extra: o.agentExtra } : {}),
      });
      world.client = await PeerClient.start(world.bed.pod(o.pods[0]!.name).netns);
      return world;
    } catch (err) {
      await world.stop();
      throw err;
    }
  }

  get logDir(): string {
    return join(this.dir, 'log');
  }

  /** Rewrites the policy file (the agent reloads it). */
  writePolicy(text: string): void {
    writeFileSync(join(this.dir, 'policy.yaml'), text);
  }

  async stop(): Promise<void> {
    this.client?.stop();
    await this.agent?.stop();
    this.server?.stop();
    this.resolver?.stop();
    this.bed?.destroy();
    if (!process.env.KEEP) rmSync(this.dir, { recursive: true, force: true });
  }
}
