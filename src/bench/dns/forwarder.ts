// dnsmasq as a plain forwarder (cache off) in the node namespace, where the proxy also runs, so
// its queries take the same way to the resolver (node -> world veth) as the proxy's.
import type { ChildProcess } from 'node:child_process';
import { inNetns, spawnInNetns } from '../../testbed/index.js';

export class DnsmasqForwarder {
  private constructor(private readonly child: ChildProcess) {}

  static async start(nodeNetns: string, listen: string, upstream: string, probe: { netns: string; name: string }): Promise<DnsmasqForwarder> {
    const child = spawnInNetns(nodeNetns, '/usr/sbin/dnsmasq', [
      '--keep-in-foreground', '--no-resolv', '--no-hosts', '--no-poll', '--pid-file=', '--user=root',
      `--listen-address=${listen}`, '--bind-interfaces', '--port=53',
      '--cache-size=0', `--server=${upstream}`,
      // dnsmasq refuses queries past 150 in flight by default; dnsperf keeps more outstanding
      '--dns-forward-max=5000',
    ]);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const forwarder = new DnsmasqForwarder(child);
    for (let attempt = 0; ; attempt++) {
      try {
        const out = inNetns(probe.netns, 'dig', ['+time=1', '+tries=1', `@${listen}`, probe.name, '+short']);
        if (out.trim() !== '') return forwarder;
      } catch {
        // not listening yet
      }
      if (attempt >= 20 || child.exitCode !== null) {
        forwarder.stop();
        throw new Error(`dnsmasq forwarder did not answer: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}
