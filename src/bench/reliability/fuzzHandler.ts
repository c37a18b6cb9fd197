// The fast path of the DNS fuzzer: the proxy's query handler called directly (no sockets), with
// collaborators that answer at once. Half the cases are malformed client queries; the other half
// are well-formed queries whose upstream answer is malformed. The upstream leg is played by
// `checkAnswer`, the same check the UDP and TCP legs run: an answer it accepts is returned, one
// it discards ends as the leg's timeout would (the real leg keeps waiting, then times out).
import dnsPacket from 'dns-packet';
import { checkAnswer, emptyDnsProxyCounters as emptyCounters } from '../../dns/index.js';
import { createQueryHandler, defaultQueryHandlerOptions } from '../../dns/queryHandler.js';
import type { DnsProxyCounters } from '../../dns/index.js';
import type { WireQuestion } from '../../dns/wire.js';
import { SluiceError } from '../../errors.js';
import { answerKinds, malformedAnswer, malformedQuery, queryKinds, validQuery } from './dnsMutations.js';
import { TYPE } from './dnsWire.js';
import { countKind, emptyTally, fail, outcomeOf, rssMiB, type FuzzTally } from './fuzzTally.js';
import { seededRng } from './rng.js';

export interface HandlerFuzzOptions {
  cases: number;
  seed: number;
  /** A case without an outcome after this long is a hang. */
  caseBoundMs?: number;
}


export async function fuzzHandler(options: HandlerFuzzOptions): Promise<FuzzTally & { counters: DnsProxyCounters; discardedAnswers: number }> {
  const rng = seededRng(options.seed);
  const bound = options.caseBoundMs ?? 2_000;
  const tally = emptyTally();
  const counters = emptyCounters();
  let discardedAnswers = 0;
  let relayed = false;
  // What the upstream returns for the current case (set before each call).
  let upstream: (legId: number, question: WireQuestion) => Buffer = () => Buffer.alloc(0);
  let eventSeq = 0;
  const handle = createQueryHandler({
    ...defaultQueryHandlerOptions,
    lookupOrigin: () => ({ endpointId: 1, server: '192.0.2.53', port: 53 }),
    decide: (_, q) => ({ allowed: q.qname.endsWith('.allowed.test'), rule: '*.allowed.test', policy: 'default/fuzz' }),
    onAnswer: () => Promise.resolve(),
    emit: () => undefined,
    newEventId: () => String(++eventSeq),
    counters,
    forward: (_transport, server, port, _query, question, timeoutMs) => {
      const legId = rng.int(0, 0xffff);
      const checked = checkAnswer(upstream(legId, question), legId, question);
      if (!checked.ok) {
        discardedAnswers++;
        return Promise.reject(new SluiceError('ERR_DNS_UPSTREAM_TIMEOUT', `forward ${question.name} to ${server}:${port}: no answer in ${timeoutMs} ms`));
      }
      relayed = true;
      return Promise.resolve({ raw: upstream(legId, question), packet: checked.packet });
    },
  });

  const started = performance.now();
  for (let i = 0; i < options.cases; i++) {
    const queryCase = i % 2 === 0;
    const kind = queryCase ? rng.pick(queryKinds) : rng.pick(answerKinds);
    const qname = `c${i}.${rng.next() < 0.8 ? 'allowed' : 'denied'}.test`;
    let message: Buffer;
    if (queryCase) {
      message = malformedQuery(rng, kind as (typeof queryKinds)[number], qname);
      // reached only when the mutation left a valid query: the resolver answers it properly
      upstream = (legId, q) => dnsPacket.encode({ type: 'response', id: legId, flags: dnsPacket.RECURSION_DESIRED, questions: [q as dnsPacket.Question], answers: [] });
    } else {
      message = validQuery(rng.int(0, 0xffff), qname, TYPE.A, rng.next() < 0.5);
      // one answer per case, built on first use with the leg's id and echoed question
      let built: Buffer | undefined;
      upstream = (legId, q) => (built ??= malformedAnswer(rng, kind as (typeof answerKinds)[number], legId, q.name, TYPE.A));
    }
    const label = `${queryCase ? 'query' : 'answer'}:${kind}`;
    countKind(tally, label);
    relayed = false;
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await Promise.race([
        handle(message, { addr: '10.100.1.2', port: 40000 + (i % 20000) }, 'UDP'),
        new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), bound))),
      ]);
      if (reply === 'hang') {
        fail(tally, 'hang', `${options.seed}/${i} ${label}`);
        continue;
      }
      const outcome = outcomeOf(reply, relayed);
      if (outcome === undefined) fail(tally, 'crash', `${options.seed}/${i} ${label}: reply with rcode ${reply?.[3]}`);
      else tally.outcomes[outcome]++;
      // a reply goes back under the client's own id, or the client would drop it
      if (reply !== undefined && message.length >= 2 && reply.readUInt16BE(0) !== message.readUInt16BE(0)) {
        fail(tally, 'crash', `${options.seed}/${i} ${label}: reply id ${reply.readUInt16BE(0)} for query id ${message.readUInt16BE(0)}`);
      }
    } catch (err) {
      fail(tally, 'crash', `${options.seed}/${i} ${label}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timer);
    }
    tally.maxCaseMs = Math.max(tally.maxCaseMs, performance.now() - t0);
    if ((i & 0x3fff) === 0) tally.rssMiBPeak = Math.max(tally.rssMiBPeak, rssMiB());
  }
  tally.durationMs = Math.round(performance.now() - started);
  tally.maxCaseMs = Math.round(tally.maxCaseMs * 10) / 10;
  tally.rssMiBEnd = rssMiB();
  tally.rssMiBPeak = Math.max(tally.rssMiBPeak, tally.rssMiBEnd);
  return { ...tally, counters, discardedAnswers };
}
