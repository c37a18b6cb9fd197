// The ceiling relay (ceilingRelay.c) built with clang and run in the node namespace, where the
// proxy and dnsmasq run too, so its queries take the same way to the resolver as theirs.
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../paths.js';
import { spawnInNetns } from '../../testbed/index.js';

export class CeilingRelay {
  private constructor(private readonly child: ChildProcess) {}

  /** Compiles the relay into `dir` and starts it on listen:port, forwarding to upstream:53. */
  static async start(dir: string, nodeNetns: string, listen: string, port: number, upstream: string): Promise<CeilingRelay> {
    const binary = join(dir, 'ceiling-relay');
    execFileSync('clang', ['-O2', '-Wall', '-Werror', '-o', binary, join(packageRoot, 'src', 'bench', 'dns', 'ceilingRelay.c')]);
    const child = spawnInNetns(nodeNetns, binary, [listen, String(port), upstream, '53']);
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
      throw new Error(`ceiling relay did not start: ${stderr.trim()}`);
    }
    return new CeilingRelay(child);
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}
