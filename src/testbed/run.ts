// Runs a command and returns its stdout; a failure names the command and quotes its stderr.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { SluiceError } from '../errors.js';

export function run(cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input });
  } catch (err) {
    const e = err as { stderr?: string; status?: number };
    throw new SluiceError('ERR_NETNS', `${cmd} ${args.join(' ')}: exit ${e.status ?? '?'}: ${(e.stderr ?? '').trim()}`, { cause: err });
  }
}

/** `ip -batch -`: many iproute2 commands in one process. */
export function ipBatch(lines: string[], netns?: string): void {
  if (lines.length === 0) return;
  run('ip', [...(netns ? ['-n', netns] : []), '-batch', '-'], lines.join('\n') + '\n');
}

/** Runs a command inside a namespace and returns its stdout. */
export function inNetns(netns: string, cmd: string, args: string[], input?: string): string {
  return run('ip', ['netns', 'exec', netns, cmd, ...args], input);
}

/** Starts a long-running process inside a namespace. Only the network namespace changes
 * (nsenter --net), so /sys/fs/bpf and the rest of the mount namespace stay as they are. */
export function spawnInNetns(netns: string, cmd: string, args: string[]): ChildProcess {
  return spawn('nsenter', [`--net=/run/netns/${netns}`, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}
