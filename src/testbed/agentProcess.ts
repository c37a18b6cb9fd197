// Runs `sluice agent` as a child process in the test bed's node namespace, with a config written
// for the bed's pods: the supervisor (which holds the DNS proxy's sockets) and the agent process
// it starts. Their stderr lines are kept for tests and the demo. crashAgent() kills the agent
// process with SIGKILL and waits until the supervisor's next one is ready; stop() ends both.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { packageRoot } from '../paths.js';
import type { Testbed } from './testbed.js';

export interface AgentProcessOptions {
  policyDir: string;
  logDir: string;
  pinRoot: string;
  /** Pods to register as endpoints (default: all of the bed's). */
  pods?: string[];
  socket?: string;
  kafka?: string;
  /** Leave programs attached and maps pinned when the agent stops (what a restart relies on). */
  keepPinned?: boolean;
  extra?: Record<string, unknown>;
  onLine?: (line: string) => void;
}

export class AgentProcess {
  readonly lines: string[] = [];
  private exited: Promise<number>;

  private constructor(
    private readonly child: ChildProcess,
    readonly configPath: string,
    readonly socketPath: string,
    dir: string,
    /** The agent's pins, when it was told not to keep them (keepPinned: false). */
    private readonly ownPins: string | undefined,
  ) {
    // the config (and the API socket, unless the caller chose one) live in `dir`: gone with the agent
    this.exited = new Promise((resolve) => child.once('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      resolve(code ?? 1);
    }));
  }

  static async start(bed: Testbed, o: AgentProcessOptions): Promise<AgentProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-agent-'));
    const pods = bed.pods.filter((p) => o.pods === undefined || o.pods.includes(p.name));
    const config = {
      node: `${bed.prefix}-node`,
      netns: bed.node,
      policyDir: o.policyDir,
      log: { dir: o.logDir, ...(o.kafka ? { kafka: { brokers: o.kafka.split(','), topicPrefix: 'sluice.', partitions: 1 } } : {}) },
      datapath: { pinRoot: o.pinRoot, keepPinned: o.keepPinned ?? false, ringSizeBytes: 1 << 22 },
      api: { socket: o.socket ?? join(dir, 'agent.sock') },
      metrics: { address: null },
      endpoints: pods.map((p) => ({ name: p.name, namespace: 'default', labels: p.labels, ifname: p.hostIf, ipv4: p.ipv4, ipv6: p.ipv6 })),
      ...o.extra,
    };
    const configPath = join(dir, 'agent.yaml');
    writeFileSync(configPath, stringify(config));
    // nsenter execs node in place: the pid is the supervisor's own
    const child = spawn('nsenter', [`--net=/run/netns/${bed.node}`, process.execPath, join(packageRoot, 'bin', 'sluice.js'), 'agent', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    const agent = new AgentProcess(child, configPath, config.api.socket, dir, config.datapath.keepPinned ? undefined : config.datapath.pinRoot);
    createInterface({ input: child.stderr! }).on('line', (line) => {
      agent.lines.push(line);
      o.onLine?.(line);
      const pid = / supervisor: agent pid (\d+)/.exec(line);
      if (pid) agent.agentPid = Number(pid[1]);
      if (/ agent \S+: \d+ endpoints/.test(line)) agent.readyCount++;
    });
    child.stdout?.resume();
    try {
      await agent.waitReady(1);
    } catch (err) {
      // not ready in time: the agent the supervisor runs must not outlive it
      agent.killAgent();
      child.kill('SIGKILL');
      await agent.exited;
      agent.removeLeftPins();
      throw err;
    }
    return agent;
  }

  /** The agent process (the supervisor's child), once the supervisor has started one. */
  agentPid: number | undefined;
  private readyCount = 0;

  private async waitReady(count: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => { exited = true; });
    while (this.readyCount < count) {
      if (exited) throw new Error(`agent exited before it was ready:\n${this.lines.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`agent not ready in ${timeoutMs / 1000} s:\n${this.lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Kills the agent process with SIGKILL (a crash), as the supervisor sees it. Resolves once the
   * supervisor's next agent is ready, with how long the agent was gone.
   */
  async crashAgent(): Promise<number> {
    const pid = this.agentPid;
    if (pid === undefined) throw new Error('no agent process to kill');
    const before = this.readyCount;
    const t0 = Date.now();
    process.kill(pid, 'SIGKILL');
    await this.waitReady(before + 1);
    return Date.now() - t0;
  }

  /**
   * SIGTERM: a clean stop of the agent and the supervisor; pins an agent that crashed on its way
   * out left behind are removed (unless it was told to keep them). SIGKILL: both killed, nothing
   * cleaned, as a test of what the next agent finds wants it.
   */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<number> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      if (signal === 'SIGKILL') this.killAgent();
      this.child.kill(signal);
    }
    const code = await this.exited;
    if (signal === 'SIGTERM') this.removeLeftPins();
    return code;
  }

  private killAgent(): void {
    if (this.agentPid === undefined) return;
    try {
      process.kill(this.agentPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /**
   * The agent removes its pins when it stops cleanly; one that crashed (or never started) leaves
   * them, which is right for the next agent of a node and wrong for a test bed that is going away.
   */
  private removeLeftPins(): void {
    if (this.ownPins !== undefined) rmSync(this.ownPins, { recursive: true, force: true });
  }
}
