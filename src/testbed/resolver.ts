// A real authoritative resolver for the test bed: unbound in the world namespace, serving test
// zones from a zone file (CNAME chains, AAAA, per-record TTLs, answers big enough to truncate) on
// 192.0.2.53 and 2001:db8::53, UDP and TCP port 53.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnInNetns } from './run.js';

export const RESOLVER4 = '192.0.2.53';
export const RESOLVER6 = '2001:db8::53';

export interface ZoneOptions {
  /** The zone's name, e.g. `test.` (a special-use name: unbound's built-in empty zone is lifted). */
  origin: string;
  /** Zone-file lines relative to the origin, e.g. `api 60 IN A 192.0.2.10`. */
  records: string[];
}

export class Resolver {
  private constructor(private readonly child: ChildProcess, private readonly dir: string) {}

  static async start(worldNetns: string, zones: ZoneOptions[]): Promise<Resolver> {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-unbound-'));
    const conf = [
      'server:',
      `  interface: ${RESOLVER4}@53`,
      `  interface: ${RESOLVER6}@53`,
      '  do-daemonize: no', '  username: ""', '  chroot: ""', `  directory: "${dir}"`, '  pidfile: ""',
      '  use-syslog: no', '  logfile: ""', '  verbosity: 0', '  do-ip6: yes',
      '  access-control: 0.0.0.0/0 allow', '  access-control: ::/0 allow',
      // answers as large as the tests ask for, over TCP when they do not fit UDP
      '  max-udp-size: 1232', '  edns-buffer-size: 1232', '  msg-buffer-size: 65552',
      ...zones.map((z) => `  local-zone: "${z.origin}" nodefault`),
    ];
    zones.forEach((z, i) => {
      const file = join(dir, `zone${i}.db`);
      writeFileSync(file, [
        `$ORIGIN ${z.origin}`, '$TTL 60',
        `@ IN SOA ns.${z.origin} admin.${z.origin} 1 3600 600 86400 60`, `@ IN NS ns.${z.origin}`, `ns IN A ${RESOLVER4}`,
        ...z.records, '',
      ].join('\n'));
      conf.push('auth-zone:', `  name: "${z.origin}"`, `  zonefile: "${file}"`, '  for-downstream: yes', '  for-upstream: no');
    });
    writeFileSync(join(dir, 'unbound.conf'), conf.join('\n') + '\n');
    const child = spawnInNetns(worldNetns, '/usr/sbin/unbound', ['-d', '-c', join(dir, 'unbound.conf')]);
    const resolver = new Resolver(child, dir);
    await new Promise<void>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`unbound did not start: ${err.trim()}`)), 5000);
      const onData = (d: Buffer) => {
        err += d.toString();
        if (err.includes('start of service')) { clearTimeout(timer); resolve(); }
      };
      child.stderr?.on('data', onData);
      child.stdout?.on('data', onData);
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`unbound exited (${code}): ${err.trim()}`)); });
    }).catch((e: unknown) => { resolver.stop(); throw e; });
    return resolver;
  }

  stop(): void {
    this.child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
