// The relays the DNS benchmark compares the proxy with, each run in the node namespace, where the
// proxy and dnsmasq run too, so their queries take the same way to the resolver as theirs:
// ceilingRelay.c (built with clang here) and nodeRelay.ts in its two modes.
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../paths.js';
import { spawnInNetns } from '../../testbed/index.js';

export type NodeRelayMode = 'dgram' | 'batched';

export class Relay {
  private constructor(private readonly child: ChildProcess) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Compiles ceilingRelay.c into `dir` and starts it on listen:port, forwarding to upstream:53. */
  static async ceiling(dir: string, nodeNetns: string, listen: string, port: number, upstream: string): Promise<Relay> {
    const binary = join(dir, 'ceiling-relay');
    execFileSync('clang', ['-O2', '-Wall', '-Werror', '-o', binary, join(packageRoot, 'src', 'bench', 'dns', 'ceilingRelay.c')]);
    return Relay.spawn('ceiling relay', nodeNetns, binary, [listen, String(port), upstream, '53']);
  }

  /** Starts nodeRelay.js (the built one, next to this file) in `mode` on listen:port, forwarding to upstream:53. */
  static node(mode: NodeRelayMode, nodeNetns: string, listen: string, port: number, upstream: string): Promise<Relay> {
    const script = join(packageRoot, 'dist', 'bench', 'dns', 'nodeRelay.js');
    return Relay.spawn(`node relay (${mode})`, nodeNetns, process.execPath, [script, mode, listen, String(port), upstream, '53']);
  }

  private static async spawn(what: string, netns: string, command: string, args: string[]): Promise<Relay> {
    const child = spawnInNetns(netns, command, args);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines = createInterface({ input: child.stdout! });
    const ready = await new Promise<boolean>((resolve) => {
      lines.once('line', (l) => resolve(l === 'ready'));
      child.once('exit', () => resolve(false));
    });
    lines.close();
    if (!ready) {
      child.kill('SIGKILL');
      throw new Error(`${what} did not start: ${stderr.trim()}`);
    }
    return new Relay(child);
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}
