// Runs `sluice agent` as a child process in the test bed's node namespace (the agent re-executes
// itself there), with a config written for the bed's pods. Its stderr lines are kept for tests
// and the demo; stop() sends SIGTERM and waits.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

  private constructor(private readonly child: ChildProcess, readonly configPath: string, readonly socketPath: string) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
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
    // nsenter execs node in place: the pid is the agent's own, so SIGKILL really kills the agent
    const child = spawn('nsenter', [`--net=/run/netns/${bed.node}`, process.execPath, join(packageRoot, 'bin', 'sluice.js'), 'agent', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    const agent = new AgentProcess(child, configPath, config.api.socket);
    const ready = new Promise<void>((resolve, reject) => {
      const rl = createInterface({ input: child.stderr! });
      rl.on('line', (line) => {
        agent.lines.push(line);
        o.onLine?.(line);
        if (/ agent \S+: \d+ endpoints/.test(line)) resolve();
      });
      void agent.exited.then((code) => reject(new Error(`agent exited (${code}) before it was ready:\n${agent.lines.join('\n')}`)));
    });
    child.stdout?.resume();
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`agent not ready in 20 s:\n${agent.lines.join('\n')}`)), 20_000).unref());
    try {
      await Promise.race([ready, timeout]);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    return agent;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** SIGTERM (a clean stop) or SIGKILL (a crash); resolves with the exit code. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<number> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
