// The socket path of the DNS fuzzer: the real proxy (startDnsProxy on 127.0.0.1, UDP and TCP
// listeners, the real upstream legs) between fuzzing clients and a fake upstream that returns
// malformed answers. Forged answers (wrong id or question) are followed by the genuine one: the
// proxy must discard and count the forgery and relay the real answer.
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import type { Question } from 'dns-packet';
import { startDnsProxy, type DnsProxy, type DnsProxyCounters, type DnsProxyOptions } from '../../dns/index.js';
import { TcpFrameReader, frame } from '../../dns/tcpFraming.js';
import { answerKinds, malformedAnswer, malformedQuery, queryKinds, validAnswer, validQuery, type AnswerKind } from './dnsMutations.js';
import { TYPE } from './dnsWire.js';
import { startFakeUpstream } from './fakeUpstream.js';
import { countKind, emptyTally, fail, outcomeOf, rssMiB, type FuzzTally } from './fuzzTally.js';
import { seededRng, type Rng } from './rng.js';

export interface SocketFuzzOptions {
  cases: number;
  seed: number;
  /** Clients sending at once. */
  concurrency?: number;
  /** Share of cases sent over TCP. */
  tcpShare?: number;
}

const UPSTREAM_TIMEOUT_MS = 150;
/** A case without a reply after this is dropped (if dropping is allowed for it) or a hang. */
const CASE_BOUND_MS = UPSTREAM_TIMEOUT_MS + 650;
const FORGERIES: readonly AnswerKind[] = ['wrong-id', 'wrong-question'];

function exchangeUdp(socket: Socket, message: Buffer, port: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(undefined), CASE_BOUND_MS);
    const onMessage = (reply: Buffer) => done(reply);
    const done = (reply: Buffer | undefined) => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(reply);
    };
    socket.on('message', onMessage);
    socket.send(message, port, '127.0.0.1');
  });
}

function exchangeTcp(message: Buffer, port: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const reader = new TcpFrameReader();
    const done = (reply: Buffer | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => done(undefined), CASE_BOUND_MS);
    socket.on('connect', () => socket.write(frame(message.subarray(0, 65_535))));
    socket.on('data', (chunk) => {
      const [reply] = reader.push(chunk);
      if (reply !== undefined) done(Buffer.from(reply));
    });
    socket.on('error', () => done(undefined));
    socket.on('close', () => done(undefined));
  });
}

/** startDnsProxy takes a free UDP port and then asks for the same TCP port, which another
 * process may hold: try again with a new port. */
async function startProxyRetrying(options: DnsProxyOptions, attempts = 5): Promise<DnsProxy> {
  try {
    return await startDnsProxy(options);
  } catch (err) {
    if (attempts <= 1 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    return startProxyRetrying(options, attempts - 1);
  }
}

/** A reply is owed to any query whose header is readable and which is not itself a response. */
const owesReply = (message: Buffer) => message.length >= 12 && (message.readUInt16BE(2) & 0x8000) === 0;

export async function fuzzSockets(options: SocketFuzzOptions): Promise<FuzzTally & { counters: DnsProxyCounters; upstreamQueries: number }> {
  const rng: Rng = seededRng(options.seed);
  const tally = emptyTally();
  // case number (from the query name) -> the upstream answer kind for it
  const answerPlan = new Map<number, AnswerKind>();
  const upstream = await startFakeUpstream((id, question: Question) => {
    const index = Number(/^c(\d+)\./.exec(question.name)?.[1] ?? -1);
    const kind = answerPlan.get(index);
    if (kind === undefined) return [validAnswer(id, question.name, TYPE.A, 1)];
    const bad = malformedAnswer(rng, kind, id, question.name, TYPE.A);
    return FORGERIES.includes(kind) ? [bad, validAnswer(id, question.name, TYPE.A, 1)] : [bad];
  });
  const proxy = await startProxyRetrying({
    lookupOrigin: () => ({ endpointId: 1, server: '127.0.0.1', port: upstream.port }),
    decide: (_, q) => ({ allowed: q.qname.endsWith('.allowed.test'), rule: '*.allowed.test', policy: 'default/fuzz' }),
    onAnswer: () => Promise.resolve(),
    onEvent: () => undefined,
    upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
  });
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    for (let i = next++; i < options.cases; i = next++) {
      const queryCase = i % 2 === 0;
      const kind = queryCase ? rng.pick(queryKinds) : rng.pick(answerKinds);
      const qname = `c${i}.${queryCase && rng.next() < 0.2 ? 'denied' : 'allowed'}.test`;
      if (!queryCase) answerPlan.set(i, kind as AnswerKind);
      const message = queryCase ? malformedQuery(rng, kind as (typeof queryKinds)[number], qname) : validQuery(rng.int(0, 0xffff), qname, TYPE.A, rng.next() < 0.5);
      const tcp = rng.next() < (options.tcpShare ?? 0.1);
      const label = `${queryCase ? 'query' : 'answer'}:${kind}`;
      countKind(tally, `${label}/${tcp ? 'tcp' : 'udp'}`);
      const t0 = performance.now();
      // UDP carries at most 65,507 bytes: a longer fuzz message goes over TCP
      const reply = tcp || message.length > 65_507 ? await exchangeTcp(message, proxy.port) : await exchangeUdp(socket, message, proxy.port);
      tally.maxCaseMs = Math.max(tally.maxCaseMs, performance.now() - t0);
      answerPlan.delete(i);
      if (reply === undefined && owesReply(message)) {
        fail(tally, 'hang', `${options.seed}/${i} ${label}: no reply in ${CASE_BOUND_MS} ms`);
        continue;
      }
      // the proxy's own replies carry FORMERR, SERVFAIL, NXDOMAIN or REFUSED; anything else is
      // an upstream answer it relayed
      const relayed = reply !== undefined && reply.length >= 4 && ![1, 2, 3, 5].includes(reply[3]! & 0x0f);
      const outcome = outcomeOf(reply, relayed);
      if (outcome === undefined) fail(tally, 'crash', `${options.seed}/${i} ${label}: reply rcode ${reply?.[3]}`);
      else tally.outcomes[outcome]++;
      if (FORGERIES.includes(kind as AnswerKind) && !queryCase && outcome !== 'forwarded') {
        fail(tally, 'crash', `${options.seed}/${i} ${label}: the genuine answer after a forgery was not relayed (${outcome})`);
      }
    }
    socket.close();
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 32 }, worker));
  tally.durationMs = Math.round(performance.now() - started);
  tally.maxCaseMs = Math.round(tally.maxCaseMs);
  tally.rssMiBEnd = rssMiB();
  tally.rssMiBPeak = Math.max(tally.rssMiBPeak, tally.rssMiBEnd);
  const counters = { ...proxy.counters };
  await proxy.close();
  const upstreamQueries = upstream.queries;
  await upstream.close();
  return { ...tally, counters, upstreamQueries };
}
