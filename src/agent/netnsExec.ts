// Running the agent inside the node's network namespace. Sockets (the DNS proxy) and tc
// attachments must live there; the mount namespace must not change (the pinned maps are in this
// one's /sys/fs/bpf), so the process re-executes itself under `nsenter --net`, not `ip netns exec`.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { SluiceError } from '../errors.js';

export function inNetns(name: string): boolean {
  const path = name.startsWith('/') ? name : `/run/netns/${name}`;
  let target;
  try {
    target = statSync(path);
  } catch {
    throw new SluiceError('ERR_NETNS', `network namespace ${name}: ${path} does not exist`);
  }
  const self = statSync('/proc/self/ns/net');
  return self.ino === target.ino && self.dev === target.dev;
}

/** Re-runs this command inside the namespace, forwarding signals; resolves with its exit code. */
export function reexecInNetns(name: string): Promise<number> {
  const path = name.startsWith('/') ? name : `/run/netns/${name}`;
  const child = spawn('nsenter', [`--net=${path}`, process.execPath, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1))));
}
