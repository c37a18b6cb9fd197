// The worker-thread side of DnsProxyThread (dnsProxyThread.ts): the proxies, the dns_nat lookup
// and the rules.dns decisions run here; events and answers go to the main thread in at most one
// message per turn (held answers at the end of their turn, the rest within a few milliseconds).
// An answer whose addresses are already programmed for its endpoint and name (the
// ProgrammedAnswers copy) is released at once and only reported; any other waits for main to
// program it and settle it.
import { parentPort, workerData } from 'node:worker_threads';
import { SluiceError, isSluiceError } from '../errors.js';
import { BpfMap } from '../datapath/bpfMap.js';
import { DnsOriginReader } from '../datapath/datapath.js';
import { startDnsProxy, type DnsEvent, type DnsExchange, type DnsProxy, type DnsTransport } from '../dns/index.js';
import { newEventId } from '../log/eventId.js';
import { hostPrefixKey, normalizeDnsName, ProgrammedAnswers, type RemovalMark } from '../fqdn/index.js';
import { DnsDecisionCache, type Decision, type EndpointPolicy } from '../policy/index.js';
import { DNS_THREAD_NAME, type DnsProxyThreadInit, type FromProxyThread, type ToProxyThread } from './dnsProxyThread.js';
import { eventToTuple, exchangeToTuple, type EventTuple, type ExchangeTuple } from './proxyWire.js';
import { GcPauses } from './gcPauses.js';
import { nameThisThread } from '../threadName.js';

nameThisThread(DNS_THREAD_NAME);
const data = workerData as DnsProxyThreadInit;
const port = parentPort!;
const post = (m: FromProxyThread) => port.postMessage(m);

// the main thread owns the map (and closes its fd); this only reads it
const origins = new DnsOriginReader(new BpfMap('dns_nat', data.dnsNat.fd, data.dnsNat.keySize, data.dnsNat.valueSize));
let policies = new Map<number, EndpointPolicy>();
let proxies: DnsProxy[] = [];
const gc = new GcPauses().start();

// Queries wait in the sockets until the first policies arrive: before them every client would
// look like a stranger and be refused (after an agent restart, queries are already queued).
let policiesKnown!: () => void;
const ready = new Promise<void>((resolve) => (policiesKnown = resolve));

interface Waiting {
  id: number;
  resolve(): void;
  reject(err: Error): void;
  endpointId: number;
  name: string;
  prefixes: string[];
  /** The removals applied when the answer went to main (see ProgrammedAnswers.add). */
  mark: RemovalMark;
}
// Held answers by id in a fixed table (id modulo its size), not a Map: a Map's entries coming and
// going with every held answer get it rehashed, and V8 links each outgrown table to the next, so
// a table that reached the old generation kept the answers of later ones alive (see udpSendBatch.ts).
const WAITING_SLOTS = 1 << 16;
const waiting: (Waiting | undefined)[] = new Array<Waiting | undefined>(WAITING_SLOTS).fill(undefined);
let waitingCount = 0;
let nextAnswerId = 1;
let events: EventTuple[] = [];
let answers: [number, ExchangeTuple][] = [];
let released: ExchangeTuple[] = [];
/** The pending sends: held answers at the end of this turn; what nobody waits on, soon. */
let heldFlush: NodeJS.Immediate | undefined;
let soonFlush: NodeJS.Timeout | undefined;

// counted by main before it deletes or rewrites an allowlist entry (dnsProxyThread.ts)
const removals = new Int32Array(data.removals);
const removalCount = (index: number) => Atomics.load(removals, index);
const programmed = new ProgrammedAnswers();
const PRUNE_MS = 10_000;
setInterval(() => programmed.prune(Date.now()), PRUNE_MS).unref();

/** Everything waiting: events, released and held answers. */
function sendBatch(): void {
  clearImmediate(heldFlush);
  heldFlush = undefined;
  clearTimeout(soonFlush);
  soonFlush = undefined;
  post({ kind: 'batch', events, answers, released, counters: proxies.map((p) => p.counters), gc: gc.totals });
  events = [];
  answers = [];
  released = [];
}

/**
 * The held answers, without the events: main settles them without first logging the rest. The
 * answers released before them go along (main folds those first), so the FQDN cache sees a
 * repeat before any answer that came after it: left for the next SOON_MS batch, a repeat was
 * folded after newer names, which a client asking quickly made evict the very name it had just
 * been answered (and its address left the allowlist).
 */
function sendHeld(): void {
  heldFlush = undefined;
  if (answers.length === 0) return;
  post({ kind: 'batch', events: [], answers, released, counters: proxies.map((p) => p.counters), gc: gc.totals });
  answers = [];
  released = [];
}

/**
 * Each message wakes the main thread, and on a VM a wake-up costs tens of microseconds (at 1k
 * queries/s a message per query was a fifth of the proxy thread's time). Events and released
 * answers wait up to this long to travel together. Held answers go at the end of their turn
 * without the events (main's part of a held answer is its map write, and logging the events
 * first used to delay it), taking the released answers before them along (sendHeld).
 */
const SOON_MS = 5;

function schedule(held: boolean): void {
  if (held) heldFlush ??= setImmediate(sendHeld);
  else soonFlush ??= setTimeout(sendBatch, SOON_MS);
}

// rules.dns decisions per policy object (a 'policies' message brings new ones), and each in the
// proxy's shape, made once
type ProxyDecision = { allowed: boolean; rule: string | null; policy: string | null };
const outcomes = new Map<string, ProxyDecision>();
const decisions = new DnsDecisionCache<ProxyDecision>((d: Decision) => {
  const key = `${d.verdict}\0${d.policy}\0${d.rule}`;
  let kept = outcomes.get(key);
  if (kept === undefined) {
    // outcomes are few (a policy's rules), but policies come and go
    if (outcomes.size >= 4096) outcomes.clear();
    outcomes.set(key, (kept = { allowed: d.verdict === 'allowed', rule: d.rule, policy: d.policy }));
  }
  return kept;
});

const common = {
  lookupOrigin: (addr: string, clientPort: number, transport: DnsTransport) => {
    const o = origins.lookup(addr.startsWith('::ffff:') ? addr.slice(7) : addr, clientPort, transport === 'TCP' ? 'tcp' : 'udp');
    return o !== undefined && policies.has(o.endpointId) ? o : undefined;
  },
  decide: (endpointId: number, q: { qname: string; server: string; port: number; protocol: DnsTransport }) => {
    const ep = policies.get(endpointId);
    if (!ep) return { allowed: false, rule: null, policy: null };
    return decisions.decide(ep, { server: q.server, port: q.port, protocol: q.protocol, qname: q.qname });
  },
  onAnswer: (exchange: DnsExchange): Promise<void> | undefined => {
    // no address, nothing to program (NXDOMAIN, NODATA, a CNAME alone)
    if (exchange.answer.addresses.length === 0) return undefined;
    const { endpointId } = exchange;
    const name = normalizeDnsName(exchange.question.qname);
    const answerPrefixes = exchange.answer.addresses.map((a) => hostPrefixKey(a.ip));
    if (programmed.covers(endpointId, name, answerPrefixes, Date.now(), removalCount)) {
      // released now; main still folds it into the FQDN cache (its expiry may move)
      released.push(exchangeToTuple(exchange));
      schedule(false);
      return undefined;
    }
    return new Promise<void>((resolve, reject) => {
      if (waitingCount >= WAITING_SLOTS) return reject(new SluiceError('ERR_DNS_ANSWER_HELD', `${WAITING_SLOTS} answers held for main already`));
      let id = nextAnswerId++;
      while (waiting[id % WAITING_SLOTS] !== undefined) id = nextAnswerId++;
      waiting[id % WAITING_SLOTS] = { id, resolve, reject, endpointId, name, prefixes: answerPrefixes, mark: programmed.mark(endpointId, answerPrefixes) };
      waitingCount++;
      answers.push([id, exchangeToTuple(exchange)]);
      schedule(true);
    });
  },
  onEvent: (e: DnsEvent) => {
    events.push(eventToTuple(e));
    schedule(false);
  },
  newEventId: () => newEventId(),
  denyRcode: data.denyRcode,
  answerDeadlineMs: data.answerDeadlineMs,
  upstreamTimeoutMs: data.upstreamTimeoutMs,
  maxInFlight: data.maxInFlight,
  upstreamUdp: { sockets: data.upstreamSockets },
  onSocketError: (err: Error) => post({ kind: 'socketError', message: err.message }),
  ready,
};

port.on('message', (m: ToProxyThread) => {
  switch (m.kind) {
    case 'policies':
      policies = new Map(m.policies);
      policiesKnown();
      return;
    case 'update':
      // in main's order: a removal after a settlement must undo what the settlement added
      for (const op of m.ops) {
        if (op.kind === 'forget') {
          programmed.forget(op.endpointId, op.prefixes);
          continue;
        }
        if (op.kind === 'forgetAll') {
          programmed.forgetAll(op.seq);
          continue;
        }
        const w = waiting[op.id % WAITING_SLOTS];
        if (w === undefined || w.id !== op.id) continue;
        waiting[op.id % WAITING_SLOTS] = undefined;
        waitingCount--;
        if (op.error !== undefined) {
          w.reject(new SluiceError(op.error.code, op.error.message));
          continue;
        }
        if (op.until !== undefined) programmed.add(w.endpointId, w.name, w.prefixes, op.until, w.mark);
        w.resolve();
      }
      return;
    case 'close':
      void Promise.all(proxies.map((p) => p.close())).then(() => {
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
