// A traffic peer for the test bed, run inside a namespace (nsenter --net):
//   node dist/testbed/peer.js serve tcp:192.0.2.10:80 udp:192.0.2.10:5353 ...   echo servers
//   node dist/testbed/peer.js client    JSON lines on stdin, one answer line each on stdout
// The client stays up so that a test can run a thousand connects without a thousand processes,
// and can hold connections open to check that they survive an allowlist change.
import { createServer, connect, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { Resolver } from 'node:dns/promises';

type Request =
  | { op: 'tcp'; host: string; port: number; timeoutMs?: number; hold?: boolean }
  | { op: 'send'; id: number; timeoutMs?: number }
  | { op: 'close'; id: number }
  | { op: 'udp'; host: string; port: number; timeoutMs?: number }
  | { op: 'udpBurst'; host: string; port: number; count: number }
  | { op: 'lookupConnect'; server: string; name: string; family: 4 | 6; port: number; timeoutMs?: number; dnsTimeoutMs?: number; dnsTries?: number };

type Answer = { ok: boolean; error?: string; id?: number; ms?: number; addresses?: string[]; stage?: string };

function serve(specs: string[]): void {
  for (const spec of specs) {
    const m = /^(tcp|udp):(.+):(\d+)$/.exec(spec);
    if (!m) throw new Error(`peer: bad listen spec ${spec}`);
    const [, proto, rawHost, port] = m as unknown as [string, string, string, string];
    const host = rawHost.replace(/^\[|\]$/g, '');
    if (proto === 'tcp') {
      createServer((s) => s.on('data', (d) => s.write(d)).on('error', () => s.destroy())).listen(Number(port), host);
    } else {
      const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
      sock.bind(Number(port), host);
    }
  }
  process.stdout.write('ready\n');
}

function client(): void {
  const held = new Map<number, Socket>();
  let nextId = 1;
  const reply = (a: Answer) => process.stdout.write(JSON.stringify(a) + '\n');

  const echo = (s: Socket, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timeout waiting for echo')), timeoutMs);
      s.once('data', () => { clearTimeout(t); resolve(); });
      s.once('error', (e) => { clearTimeout(t); reject(e); });
      s.write('ping\n');
    });

  const handlers: { [K in Request['op']]: (r: Extract<Request, { op: K }>) => Promise<Answer> } = {
    tcp: (r) => new Promise((resolve) => {
      const started = process.hrtime.bigint();
      const s = connect({ host: r.host, port: r.port });
      const timeout = setTimeout(() => { s.destroy(); resolve({ ok: false, error: 'timeout' }); }, r.timeoutMs ?? 1000);
      s.once('error', (e) => { clearTimeout(timeout); resolve({ ok: false, error: e.message }); });
      s.once('connect', () => {
        echo(s, r.timeoutMs ?? 1000).then(() => {
          clearTimeout(timeout);
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          if (r.hold) {
            const id = nextId++;
            held.set(id, s);
            resolve({ ok: true, id, ms });
          } else {
            s.destroy();
            resolve({ ok: true, ms });
          }
        }, (e: Error) => { clearTimeout(timeout); s.destroy(); resolve({ ok: false, error: e.message }); });
      });
    }),
    send: async (r) => {
      const s = held.get(r.id);
      if (!s) return { ok: false, error: `no connection ${r.id}` };
      try {
        await echo(s, r.timeoutMs ?? 1000);
        return { ok: true, id: r.id };
      } catch (e) {
        return { ok: false, error: (e as Error).message };
      }
    },
    close: async (r) => {
      held.get(r.id)?.destroy();
      held.delete(r.id);
      return { ok: true };
    },
    udp: (r) => new Promise((resolve) => {
      const sock = createSocket(r.host.includes(':') ? 'udp6' : 'udp4');
      const t = setTimeout(() => { sock.close(); resolve({ ok: false, error: 'timeout' }); }, r.timeoutMs ?? 1000);
      sock.once('message', () => { clearTimeout(t); sock.close(); resolve({ ok: true }); });
      sock.once('error', (e) => { clearTimeout(t); sock.close(); resolve({ ok: false, error: e.message }); });
      sock.send('ping\n', r.port, r.host);
    }),
    udpBurst: (r) => new Promise((resolve) => {
      // fire and forget: for counting datapath events, not for delivery
      const sock = createSocket(r.host.includes(':') ? 'udp6' : 'udp4');
      let left = r.count;
      const next = (): void => {
        if (left-- <= 0) { sock.close(); resolve({ ok: true }); return; }
        sock.send('x', r.port, r.host, () => next());
      };
      next();
    }),
    // a real DNS lookup (c-ares) and a TCP connect right after it: the first connection after a
    // lookup is what the answer-release ordering promises
    lookupConnect: async (r) => {
      const resolver = new Resolver({ timeout: r.dnsTimeoutMs ?? r.timeoutMs ?? 2000, tries: r.dnsTries ?? 1 });
      resolver.setServers([r.server]);
      let addresses: string[];
      try {
        addresses = r.family === 6 ? await resolver.resolve6(r.name) : await resolver.resolve4(r.name);
      } catch (e) {
        return { ok: false, stage: 'lookup', error: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
      }
      const a = await handlers.tcp({ op: 'tcp', host: addresses[0]!, port: r.port, timeoutMs: r.timeoutMs ?? 1000 });
      return { ...a, addresses, stage: a.ok ? 'done' : 'connect' };
    },
  };

  // one request at a time, in order: answers line up with requests
  let chain = Promise.resolve();
  createInterface({ input: process.stdin }).on('line', (line) => {
    chain = chain.then(async () => {
      let req: Request;
      try {
        req = JSON.parse(line) as Request;
      } catch {
        reply({ ok: false, error: 'bad request' });
        return;
      }
      const h = handlers[req.op] as ((r: Request) => Promise<Answer>) | undefined;
      reply(h ? await h(req) : { ok: false, error: `unknown op ${req.op}` });
    });
  }).on('close', () => { void chain.then(() => process.exit(0)); });
  process.stdout.write('ready\n');
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'serve') serve(args);
else if (mode === 'client') client();
else {
  process.stderr.write('usage: peer.js serve tcp:ADDR:PORT|udp:ADDR:PORT... | peer.js client\n');
  process.exit(2);
}
