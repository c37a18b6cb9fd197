// `sluice agent` runs as a small supervisor and an agent process. The supervisor makes the DNS
// proxy's sockets and keeps them; it starts the agent with them and starts it again whenever it
// exits without being asked to. An agent that crashes or is killed is replaced in about a second,
// and the queries sent meanwhile wait in the sockets' buffers instead of failing: DNS keeps being
// answered across the restart (Cilium's in-agent proxy times out instead). Enforcement does not
// depend on either process: the programs stay attached and the maps pinned.
import { spawn, type ChildProcess } from 'node:child_process';
import { libc } from '../datapath/ffi/libc.js';
import type { AgentConfig } from './config.js';
import { ensureLocalAddress } from './localAddress.js';
import { openProxySockets, proxyFdsEnv } from './socketHolder.js';

export const workerEnv = 'SLUICE_AGENT_WORKER';

/** Gives up after this many agents in a row that lived less than FAST_EXIT_MS: a crash loop. */
const MAX_FAST_EXITS = 5;
const FAST_EXIT_MS = 5000;

export async function superviseAgent(config: AgentConfig, argv: string[], say: (line: string) => void): Promise<number> {
  const { proxy } = config;
  ensureLocalAddress(proxy.address4, 32);
  ensureLocalAddress(proxy.address6, 128);
  const fds = openProxySockets(proxy.address4, proxy.address6, proxy.port);
  let child: ChildProcess | undefined;
  let stopping = false;
  let fastExits = 0;

  const forward = (sig: NodeJS.Signals) => {
    stopping = true;
    child?.kill(sig);
  };
  process.on('SIGINT', () => forward('SIGINT'));
  process.on('SIGTERM', () => forward('SIGTERM'));

  try {
    for (;;) {
      const started = Date.now();
      child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'agent', ...argv], {
        stdio: ['ignore', 'inherit', 'inherit', fds.udp4, fds.tcp4, fds.udp6, fds.tcp6],
        env: { ...process.env, [workerEnv]: String(process.pid), [proxyFdsEnv]: '3,4,5,6' },
      });
      say(`supervisor: agent pid ${child.pid}`);
      const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child!.once('exit', (c, s) => resolve({ code: c, signal: s })));
      if (stopping) return code ?? 0;
      fastExits = Date.now() - started < FAST_EXIT_MS ? fastExits + 1 : 0;
      if (fastExits >= MAX_FAST_EXITS) {
        say(`supervisor: the agent exited ${fastExits} times in a row within ${FAST_EXIT_MS / 1000} s of starting; giving up`);
        return code ?? 1;
      }
      say(`supervisor: agent exited (${signal ?? `code ${code}`}); starting it again, the proxy sockets stay open`);
      await new Promise((r) => setTimeout(r, fastExits > 1 ? 500 * fastExits : 0));
    }
  } finally {
    for (const fd of Object.values(fds)) libc().close(fd);
  }
}

/** In the agent: exit when the supervisor is gone (it was killed), instead of running unsupervised. */
export function exitWithSupervisor(supervisorPid: number, onOrphaned: () => void): void {
  setInterval(() => {
    if (process.ppid !== supervisorPid) onOrphaned();
  }, 500).unref();
}
