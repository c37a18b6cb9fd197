// The agent's DNS proxies (IPv4 and IPv6) on a worker thread of their own. Per query the proxy
// does the sockets, the parsing, the dns_nat lookup and the rules.dns decision; the main thread
// does the FQDN pipeline, the map writes and the event log. On one event loop these added up to
// about 120 µs a query and the proxy stopped near 8k queries/s with the main thread saturated
// (bench dns); split, each side does part of it and both cores work.
//
// What crosses (at most one message per turn each way, structured clones of plain data; DNS
// events and exchanges as flat arrays, proxyWire.ts):
//   main -> proxy  policies (every endpoint's resolved policy, sent whenever they are resolved);
//                  in order: settled answers (programmed until when, or the failure) and the
//                  allowlist entries about to be deleted or rewritten
//   proxy -> main  DNS events, the answers to program and the answers released without waiting,
//                  in the order they happened, with the proxies' counters
// An answer whose addresses are not known to be programmed stays held until main settles it, so
// "released only after the datapath knows" holds across the threads; the answer deadline covers
// the crossing too. What counts as known is the proxy's ProgrammedAnswers copy, kept honest by
// removal counters in shared memory (per endpoint and host prefix, hashed into slots, and one for
// everything) that main bumps before it takes any entry away.
import { Worker } from 'node:worker_threads';
import { SluiceError, isSluiceError, type ErrorCode } from '../errors.js';
import type { DnsEvent, DnsExchange, DnsProxy, DnsProxyCounters, OnAnswer } from '../dns/index.js';
import { emptyDnsProxyCounters } from '../dns/index.js';
import { countRemovals, countRemoveAll, REMOVAL_COUNTERS } from '../fqdn/index.js';
import type { EndpointPolicy } from '../policy/index.js';
import { eventFromTuple, exchangeFromTuple, type EventTuple, type ExchangeTuple } from './proxyWire.js';
import type { GcTotals } from './gcPauses.js';

export interface DnsProxyListen {
  address: string;
  /** 0: a free port; the proxies after the first take the first one's port. */
  port: number;
  /** Sockets held by the supervisor across agent restarts. */
  fds?: { udp: number; tcp: number };
}

export interface DnsProxyWorkerData {
  listen: DnsProxyListen[];
  /** The pinned dns_nat map, by the fd the main thread opened (fds are per process). */
  dnsNat: { fd: number; keySize: number; valueSize: number };
  denyRcode: 'REFUSED' | 'NXDOMAIN';
  answerDeadlineMs: number;
  upstreamTimeoutMs: number;
  maxInFlight: number;
  upstreamSockets: number;
}

/** What the worker starts with: the caller's data and the shared removal counters start() adds. */
export interface DnsProxyThreadInit extends DnsProxyWorkerData {
  /** REMOVAL_COUNTERS Int32s: main's allowlist removals, counted per slot (programmedAnswers.ts). */
  removals: SharedArrayBuffer;
}

/** Changes to the proxy's copy of what is programmed, applied in this order. */
export type ProgrammedOp =
  /** A held answer is done: programmed (until when, when its endpoint's policy selects the name) or failed. */
  | { kind: 'settled'; id: number; until?: number; error?: { code: ErrorCode; message: string } }
  /** About to delete or rewrite these host prefixes of the endpoint (each counted in its slot). */
  | { kind: 'forget'; endpointId: number; prefixes: string[] }
  /** Slot 0's count `seq`: policies changed, anything may go. */
  | { kind: 'forgetAll'; seq: number };

export type ToProxyThread =
  | { kind: 'policies'; policies: [number, EndpointPolicy][] }
  | { kind: 'update'; ops: ProgrammedOp[] }
  | { kind: 'close' };

export type FromProxyThread =
  | { kind: 'listening'; proxies: { address: string; port: number }[] }
  | { kind: 'failed'; error: { code: ErrorCode; message: string } }
  /** Events and exchanges as flat arrays (proxyWire.ts); held answers as [id, exchange]. */
  | { kind: 'batch'; events: EventTuple[]; answers: [number, ExchangeTuple][]; released: ExchangeTuple[]; counters: DnsProxyCounters[]; gc: GcTotals }
  | { kind: 'socketError'; message: string }
  | { kind: 'closed'; counters: DnsProxyCounters[] };

export interface DnsProxyThreadHooks {
  /** The proxies' dns.request/dns.response events, in order. */
  onEvents(events: DnsEvent[]): void;
  /** Program a held answer's addresses; the promise settles when they are (or cannot be). */
  onAnswer: OnAnswer;
  /** Fold in an answer the proxy released without waiting (its addresses were programmed). */
  onReleased(exchange: DnsExchange): void;
  /**
   * Once a held answer is programmed: until when its addresses are in the asking endpoint's
   * allowlist for its name (at least), or undefined when its policy does not select the name.
   */
  programmedUntil(exchange: DnsExchange): number | undefined;
  onSocketError(message: string): void;
  /** The thread died: no DNS is answered any more. */
  onFailure(err: Error): void;
}

const CLOSE_TIMEOUT_MS = 5_000;

/** The proxy thread's name in ps -L, top -H and /proc/PID/task/TID/comm. */
export const DNS_THREAD_NAME = 'sluice-dns';

export class DnsProxyThread {
  private counters: DnsProxyCounters[];
  private gc: GcTotals = [];
  private ops: ProgrammedOp[] = [];
  private readonly removals: Int32Array;
  private postQueued = false;
  private inBatch = false;
  private latestPolicies: ReadonlyMap<number, EndpointPolicy> = new Map();
  private policiesFlush: NodeJS.Immediate | undefined;
  private closing: Promise<void> | undefined;
  readonly proxies: DnsProxy[];

  private constructor(private readonly worker: Worker, listening: { address: string; port: number }[], private readonly exited: Promise<void>, removals: SharedArrayBuffer) {
    this.removals = new Int32Array(removals);
    this.counters = listening.map(() => emptyDnsProxyCounters());
    this.proxies = listening.map((l, i) => {
      const counters = () => this.counters[i]!;
      return { address: l.address, port: l.port, get counters() { return counters(); }, close: () => this.close() };
    });
  }

  static async start(data: DnsProxyWorkerData, hooks: DnsProxyThreadHooks): Promise<DnsProxyThread> {
    const removals = new SharedArrayBuffer(4 * REMOVAL_COUNTERS);
    const init: DnsProxyThreadInit = { ...data, removals };
    const worker = new Worker(new URL('./dnsProxyWorker.js', import.meta.url), { workerData: init });
    let thread: DnsProxyThread | undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const listening = await new Promise<{ address: string; port: number }[]>((resolve, reject) => {
      worker.on('message', (m: FromProxyThread) => {
        switch (m.kind) {
          case 'listening': return resolve(m.proxies);
          case 'failed': return reject(new SluiceError(m.error.code, m.error.message));
          case 'batch': return thread?.onBatch(m, hooks);
          case 'socketError': return hooks.onSocketError(m.message);
          case 'closed': thread?.setCounters(m.counters); return void worker.terminate();
        }
      });
      // after start, an error or an exit nobody asked for is the thread's end: reported once
      let failed = false;
      const fail = (err: SluiceError) => {
        if (thread === undefined) return reject(err);
        if (thread.closing !== undefined || failed) return;
        failed = true;
        hooks.onFailure(err);
      };
      worker.on('error', (cause) => fail(new SluiceError('ERR_INTERNAL', `DNS proxy thread: ${cause.message}`, { cause })));
      worker.once('exit', (code) => fail(new SluiceError('ERR_INTERNAL', `DNS proxy thread exited (code ${code})${thread === undefined ? ' before listening' : ''}`)));
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    thread = new DnsProxyThread(worker, listening, exited, removals);
    return thread;
  }

  /** Every endpoint's policy; endpoints not in the map are not endpoints (their queries are refused). */
  setPolicies(policies: ReadonlyMap<number, EndpointPolicy>): void {
    // Once per turn, as they are then: adding N endpoints in one go (the configured ones at start)
    // resolves every policy N times, and each would otherwise cross the threads whole.
    this.latestPolicies = policies;
    // a policy may take grants away: nothing the proxy knows is vouched for until it catches up
    // (the writes that follow also report what they remove; this covers whatever they miss)
    this.ops.push({ kind: 'forgetAll', seq: countRemoveAll(this.removals) });
    this.policiesFlush ??= setImmediate(() => {
      this.postOps();
      this.policiesFlush = undefined;
      this.post({ kind: 'policies', policies: [...this.latestPolicies] });
    });
  }

  /**
   * Call before deleting or rewriting allowlist entries of an endpoint: from now until the proxy
   * hears of it, it releases no answer with one of these prefixes (or one sharing its counter
   * slot) without main, and then no longer trusts them.
   */
  forget(endpointId: number, prefixes: string[]): void {
    countRemovals(this.removals, endpointId, prefixes);
    this.ops.push({ kind: 'forget', endpointId, prefixes });
    if (!this.inBatch) this.postSoon();
  }

  /** Closes the proxies and ends the thread; one that does not finish within 5 s is terminated. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.policiesFlush !== undefined) clearImmediate(this.policiesFlush);
      this.post({ kind: 'close' });
      const timer = setTimeout(() => void this.worker.terminate(), CLOSE_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    })();
    return this.closing;
  }

  /** The thread's garbage-collection pauses so far, as of its last batch (see gcPauses.ts). */
  get gcTotals(): GcTotals {
    return this.gc;
  }

  private setCounters(counters: DnsProxyCounters[]): void {
    this.counters = counters;
  }

  private onBatch(m: Extract<FromProxyThread, { kind: 'batch' }>, hooks: DnsProxyThreadHooks): void {
    this.counters = m.counters;
    this.gc = m.gc;
    // The answers the proxy thread released are folded first: their clients have the addresses
    // already, and a held answer folded before them could evict their name from a full FQDN
    // cache and take the address out of the allowlist under a connection about to start. Their
    // folds cost the held answers nothing: the held ones' map writes run as promises, after this.
    for (const tuple of m.released) hooks.onReleased(exchangeFromTuple(tuple));
    // Then the held answers, before the log write of the events: the ones that change nothing
    // settle here at once and go back with one message at the end.
    this.inBatch = true;
    for (const [id, tuple] of m.answers) {
      const exchange = exchangeFromTuple(tuple);
      let pending: Promise<void> | undefined;
      try {
        pending = hooks.onAnswer(exchange);
      } catch (err) {
        this.settle(id, hooks, exchange, err);
        continue;
      }
      if (pending === undefined) this.settle(id, hooks, exchange);
      else pending.then(() => this.settle(id, hooks, exchange), (err: unknown) => this.settle(id, hooks, exchange, err));
    }
    this.inBatch = false;
    this.postOps();
    if (m.events.length > 0) hooks.onEvents(m.events.map(eventFromTuple));
  }

  private settle(id: number, hooks: DnsProxyThreadHooks, exchange: DnsExchange, err?: unknown): void {
    if (err === undefined) {
      const until = hooks.programmedUntil(exchange);
      this.ops.push(until === undefined ? { kind: 'settled', id } : { kind: 'settled', id, until });
    } else {
      const error = isSluiceError(err) ? { code: err.code, message: err.message } : { code: 'ERR_INTERNAL' as const, message: String(err) };
      this.ops.push({ kind: 'settled', id, error });
    }
    // settled while a batch is read: sent when it ends; by the map writes' promises: soon
    if (!this.inBatch) this.postSoon();
  }

  /**
   * Ops made outside a batch go once the promises of this turn have run: before the turn's
   * batched log write (an immediate, queued earlier), which would otherwise hold every held
   * answer for its milliseconds.
   */
  private postSoon(): void {
    if (this.postQueued) return;
    this.postQueued = true;
    queueMicrotask(() => {
      this.postQueued = false;
      this.postOps();
    });
  }

  private postOps(): void {
    if (this.ops.length === 0) return;
    const ops = this.ops;
    this.ops = [];
    this.post({ kind: 'update', ops });
  }

  private post(m: ToProxyThread): void {
    this.worker.postMessage(m);
  }
}
