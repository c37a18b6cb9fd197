// The worker-thread side of DnsProxyThread (dnsProxyThread.ts): the proxies, the dns_nat lookup
// and the rules.dns decisions run here; events and answers to program go to the main thread in
// one message per turn, and each answer waits for main to settle it.
import { parentPort, workerData } from 'node:worker_threads';
import { SluiceError, isSluiceError } from '../errors.js';
import { BpfMap } from '../datapath/bpfMap.js';
import { lookupDnsOrigin } from '../datapath/datapath.js';
import { startDnsProxy, type DnsEvent, type DnsExchange, type DnsProxy, type DnsTransport } from '../dns/index.js';
import { newEventId } from '../log/eventId.js';
import { decideDnsQuery, type EndpointPolicy } from '../policy/index.js';
import type { DnsProxyWorkerData, FromProxyThread, ToProxyThread } from './dnsProxyThread.js';

const data = workerData as DnsProxyWorkerData;
const port = parentPort!;
const post = (m: FromProxyThread) => port.postMessage(m);

// the main thread owns the map (and closes its fd); this only reads it
const dnsNat = new BpfMap('dns_nat', data.dnsNat.fd, data.dnsNat.keySize, data.dnsNat.valueSize);
let policies = new Map<number, EndpointPolicy>();
let proxies: DnsProxy[] = [];

// Queries wait in the sockets until the first policies arrive: before them every client would
// look like a stranger and be refused (after an agent restart, queries are already queued).
let policiesKnown!: () => void;
const ready = new Promise<void>((resolve) => (policiesKnown = resolve));

const waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
let nextAnswerId = 1;
let events: DnsEvent[] = [];
let answers: { id: number; exchange: DnsExchange }[] = [];
let flush: NodeJS.Immediate | undefined;

function sendBatch(): void {
  flush = undefined;
  post({ kind: 'batch', events, answers, counters: proxies.map((p) => p.counters) });
  events = [];
  answers = [];
}

const schedule = () => (flush ??= setImmediate(sendBatch));

const common = {
  lookupOrigin: (addr: string, clientPort: number, transport: DnsTransport) => {
    const o = lookupDnsOrigin(dnsNat, addr.startsWith('::ffff:') ? addr.slice(7) : addr, clientPort, transport === 'TCP' ? 'tcp' : 'udp');
    return o && policies.has(o.endpointId) ? { endpointId: o.endpointId, server: o.server, port: o.port } : undefined;
  },
  decide: (endpointId: number, q: { qname: string; server: string; port: number; protocol: DnsTransport }) => {
    const ep = policies.get(endpointId);
    if (!ep) return { allowed: false, rule: null, policy: null };
    const d = decideDnsQuery(ep, { server: q.server, port: q.port, protocol: q.protocol, qname: q.qname });
    return { allowed: d.verdict === 'allowed', rule: d.rule, policy: d.policy };
  },
  onAnswer: (exchange: DnsExchange) =>
    new Promise<void>((resolve, reject) => {
      const id = nextAnswerId++;
      waiting.set(id, { resolve, reject });
      answers.push({ id, exchange });
      schedule();
    }),
  onEvent: (e: DnsEvent) => {
    events.push(e);
    schedule();
  },
  newEventId: () => newEventId(),
  denyRcode: data.denyRcode,
  answerDeadlineMs: data.answerDeadlineMs,
  upstreamTimeoutMs: data.upstreamTimeoutMs,
  maxInFlight: data.maxInFlight,
  onSocketError: (err: Error) => post({ kind: 'socketError', message: err.message }),
  ready,
};

port.on('message', (m: ToProxyThread) => {
  switch (m.kind) {
    case 'policies':
      policies = new Map(m.policies);
      policiesKnown();
      return;
    case 'settled':
      for (const s of m.settled) {
        const w = waiting.get(s.id);
        if (w === undefined) continue;
        waiting.delete(s.id);
        if (s.error === undefined) w.resolve();
        else w.reject(new SluiceError(s.error.code, s.error.message));
      }
      return;
    case 'close':
      void Promise.all(proxies.map((p) => p.close())).then(() => {
        if (flush !== undefined) clearImmediate(flush);
        sendBatch();
        post({ kind: 'closed', counters: proxies.map((p) => p.counters) });
      });
      return;
  }
});

try {
  for (const l of data.listen) {
    const first = proxies[0];
    proxies.push(await startDnsProxy({ ...common, listenAddress: l.address, port: first?.port ?? l.port, ...(l.fds ? { fds: l.fds } : {}) }));
  }
  post({ kind: 'listening', proxies: proxies.map((p) => ({ address: p.address, port: p.port })) });
} catch (err) {
  await Promise.all(proxies.map((p) => p.close()));
  post({ kind: 'failed', error: isSluiceError(err) ? { code: err.code, message: err.message } : { code: 'ERR_NETNS', message: `DNS proxy: ${String(err)}` } });
  port.close();
}
