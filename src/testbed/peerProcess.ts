// Drives peer.js processes in namespaces: servers in the world, a client per pod.
import type { ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { distScript } from '../paths.js';
import { spawnInNetns } from './run.js';

const peerScript = distScript('testbed/peer.js');

function waitReady(child: ChildProcess, lines: Interface, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    const onExit = (code: number | null) => reject(new Error(`${what} exited (${code}): ${stderr.trim()}`));
    child.once('exit', onExit);
    lines.once('line', (l) => {
      child.off('exit', onExit);
      if (l === 'ready') resolve();
      else reject(new Error(`${what}: ${l}`));
    });
  });
}

export class PeerServer {
  private constructor(private readonly child: ChildProcess) {}

  static async start(netns: string, listen: string[]): Promise<PeerServer> {
    const child = spawnInNetns(netns, process.execPath, [peerScript, 'serve', ...listen]);
    const lines = createInterface({ input: child.stdout! });
    await waitReady(child, lines, `peer server in ${netns}`);
    return new PeerServer(child);
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

export interface PeerAnswer {
  ok: boolean;
  error?: string;
  id?: number;
  ms?: number;
  addresses?: string[];
  stage?: string;
}

export class PeerClient {
  private readonly waiting: ((a: PeerAnswer) => void)[] = [];

  private constructor(private readonly child: ChildProcess, lines: Interface) {
    lines.on('line', (l) => this.waiting.shift()?.(JSON.parse(l) as PeerAnswer));
  }

  static async start(netns: string): Promise<PeerClient> {
    const child = spawnInNetns(netns, process.execPath, [peerScript, 'client']);
    const lines = createInterface({ input: child.stdout! });
    await waitReady(child, lines, `peer client in ${netns}`);
    return new PeerClient(child, lines);
  }

  private request(req: object): Promise<PeerAnswer> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin!.write(JSON.stringify(req) + '\n');
    });
  }

  tcp(host: string, port: number, opts: { timeoutMs?: number; hold?: boolean } = {}): Promise<PeerAnswer> {
    return this.request({ op: 'tcp', host, port, ...opts });
  }

  udp(host: string, port: number, opts: { timeoutMs?: number } = {}): Promise<PeerAnswer> {
    return this.request({ op: 'udp', host, port, ...opts });
  }

  /** dnsTimeoutMs/dnsTries: the resolver's retry behaviour (default one try of timeoutMs). */
  lookupConnect(server: string, name: string, family: 4 | 6, port: number, opts: { timeoutMs?: number; dnsTimeoutMs?: number; dnsTries?: number } = {}): Promise<PeerAnswer> {
    return this.request({ op: 'lookupConnect', server, name, family, port, ...opts });
  }

  udpBurst(host: string, port: number, count: number): Promise<PeerAnswer> {
    return this.request({ op: 'udpBurst', host, port, count });
  }

  send(id: number, opts: { timeoutMs?: number } = {}): Promise<PeerAnswer> {
    return this.request({ op: 'send', id, ...opts });
  }

  close(id: number): Promise<PeerAnswer> {
    return this.request({ op: 'close', id });
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}
