// Test helpers: a real resolver (dnsmasq) serving a test zone on 127.0.0.1, a free port, and dig.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const DNSMASQ = '/usr/sbin/dnsmasq';
export const DIG = '/usr/bin/dig';

export async function freePort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export interface Resolver {
  port: number;
  stop(): Promise<void>;
}

/** dnsmasq with only the records given (no upstream, no /etc/hosts), until stop(). */
export async function startDnsmasq(zoneLines: readonly string[]): Promise<Resolver> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-dns-'));
  const port = await freePort();
  const conf = join(dir, 'dnsmasq.conf');
  writeFileSync(
    conf,
    [`port=${port}`, 'listen-address=127.0.0.1', 'bind-interfaces', 'no-resolv', 'no-hosts', 'no-poll', 'local=/sluice.test/', 'user=root', ...zoneLines, ''].join('\n'),
  );
  const child: ChildProcess = spawn(DNSMASQ, ['--keep-in-foreground', `--conf-file=${conf}`, '--pid-file='], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Ready when it answers a query over UDP.
  for (let attempt = 0; ; attempt++) {
    const out = await dig(port, 'www.sluice.test', 'A', ['+time=1']).catch(() => undefined);
    if (out?.status === 'NOERROR') break;
    if (attempt > 50 || child.exitCode !== null) {
      child.kill();
      throw new Error(`dnsmasq did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface DigResult {
  status: string;
  flags: string[];
  answers: { name: string; ttl: number; type: string; data: string }[];
  retriedOverTcp: boolean;
  raw: string;
}

export async function dig(port: number, name: string, type: string, extra: readonly string[] = [], server = '127.0.0.1'): Promise<DigResult> {
  const { stdout } = await promisify(execFile)(DIG, [`@${server}`, '-p', String(port), name, type, '+tries=1', '+time=3', ...extra]);
  const status = /status: ([A-Z]+)/.exec(stdout)?.[1] ?? 'NONE';
  const flags = (/;; flags: ([a-z ]+);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/);
  const section = /;; ANSWER SECTION:\n([\s\S]*?)\n\n/.exec(stdout)?.[1] ?? '';
  const answers = section
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [rname = '', ttl = '0', , rtype = '', ...data] = line.split(/\s+/);
      return { name: rname, ttl: Number(ttl), type: rtype, data: data.join(' ') };
    });
  return { status, flags, answers, retriedOverTcp: stdout.includes('retrying in TCP mode'), raw: stdout };
}
