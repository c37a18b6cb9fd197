// One query from arrival to reply, transport-agnostic: parse, find the endpoint and the original
// resolver, apply rules.dns, forward, check and extract the answer, wait for the datapath
// (onAnswer), and return the bytes to send back (undefined = send nothing). Every outcome is
// counted and, once the query is readable, logged as dns events; nothing here throws.
import { randomUUID } from 'node:crypto';
import { isSluiceError, SluiceError } from '../errors.js';
import { extractAnswer, type ExtractedAnswer } from './extractAnswer.js';
import { headerOnlyReply, isTruncated, parseQuery, Rcode, syntheticReply, withId } from './message.js';
import type { UpstreamAnswer } from './upstreamUdp.js';
import type { WireMessage, WireQuestion } from './wire.js';
import type {
  DecideDnsQuery,
  DnsDecision,
  DnsEventData,
  DnsEventSink,
  DnsExchange,
  DnsProxyCounters,
  DnsQuestion,
  DnsTransport,
  LookupOrigin,
  OnAnswer,
} from './types.js';

export interface QueryHandlerDeps {
  lookupOrigin: LookupOrigin;
  decide: DecideDnsQuery;
  onAnswer: OnAnswer;
  emit: DnsEventSink;
  forward(transport: DnsTransport, server: string, port: number, query: Buffer, question: WireQuestion, timeoutMs: number): Promise<UpstreamAnswer>;
  counters: DnsProxyCounters;
  /** REFUSED (default, not cached negatively) or NXDOMAIN (for musl resolvers that stop on REFUSED). */
  denyRcode: 'REFUSED' | 'NXDOMAIN';
  answerDeadlineMs: number;
  upstreamTimeoutMs: number;
  maxInFlight: number;
  newEventId: () => string;
  now: () => number;
}

export const defaultQueryHandlerOptions = {
  denyRcode: 'REFUSED' as const,
  answerDeadlineMs: 100,
  upstreamTimeoutMs: 5_000,
  maxInFlight: 10_000,
  newEventId: randomUUID,
  now: Date.now,
};

type Client = { addr: string; port: number };

function answersOf(packet: WireMessage | undefined): DnsEventData['answers'] {
  const out: DnsEventData['answers'] = [];
  if (packet === undefined) return out;
  for (const r of packet.answers) out.push({ name: r.name, type: r.type, ttl: r.ttl, data: typeof r.data === 'string' ? r.data : JSON.stringify(r.data) });
  return out;
}

/** Resolves with the promise, or rejects with ERR_DNS_ANSWER_HELD after `ms`. */
function withDeadline(promise: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SluiceError('ERR_DNS_ANSWER_HELD', `${what}: datapath not programmed within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export function createQueryHandler(deps: QueryHandlerDeps): (message: Buffer, client: Client, transport: DnsTransport) => Promise<Buffer | undefined> {
  const { counters } = deps;
  let inFlight = 0;

  return async function handleQuery(message, client, transport) {
    counters.received++;
    const startedAt = deps.now();
    const parsed = parseQuery(message);
    if (!parsed.ok) {
      counters.malformed++;
      // Responses and runts get no reply: answering a response could start a reflection loop.
      return parsed.id === undefined ? undefined : headerOnlyReply(parsed.id, message.readUInt16BE(2), Rcode.FORMERR);
    }
    const { packet, question } = parsed;
    const requestId = deps.newEventId();
    const origin = deps.lookupOrigin(client.addr, client.port, transport);
    const clientText = `${client.addr}:${client.port}`;
    // One object literal with every field in one order: made twice per query, a fixed shape is
    // cheaper to build and to serialize than spreads of partial objects.
    const emit = (type: 'dns.request' | 'dns.response', id: string, causeId: string | null, d: Omit<DnsEventData, 'client' | 'transport' | 'query' | 'qtype' | 'proxyLatencyUs'>) => {
      const timeMs = deps.now();
      deps.emit({
        type, id, causeId, timeMs,
        data: {
          endpointId: d.endpointId, client: clientText, transport, query: question.name, qtype: question.type, rcode: d.rcode, answers: d.answers,
          verdict: d.verdict, reason: d.reason, policy: d.policy, rule: d.rule, server: d.server, proxyLatencyUs: Math.round((timeMs - startedAt) * 1000), error: d.error,
        },
      });
    };
    const refuse = (reason: 'unknown-client' | 'overload', endpointId: number | null, server: string | null) => {
      emit('dns.request', requestId, null, { endpointId, rcode: 'REFUSED', answers: [], verdict: 'denied', reason, policy: null, rule: null, server, error: null });
      return syntheticReply(packet, Rcode.REFUSED);
    };

    if (origin === undefined) {
      counters.refusedUnknownClient++;
      return refuse('unknown-client', null, null);
    }
    const server = `${origin.server}:${origin.port}`;
    if (inFlight >= deps.maxInFlight) {
      counters.refusedOverload++;
      return refuse('overload', origin.endpointId, server);
    }
    const dnsQuestion: DnsQuestion = { qname: question.name, qtype: question.type, server: origin.server, port: origin.port, protocol: transport };
    let decision: DnsDecision;
    try {
      decision = deps.decide(origin.endpointId, dnsQuestion);
    } catch {
      // A broken decision function must not open the gate: treat it as a denial without a rule.
      decision = { allowed: false, rule: null, policy: null };
    }
    // Every event below spells its fields out: with an object spread here ({ ...decided, rcode })
    // the thread's young-generation collections promoted ~3 KB a query to the old generation
    // (measured with --trace-gc-nvp; a major GC a second at 10k queries/s).
    const { endpointId } = origin;
    const { policy, rule } = decision;
    if (!decision.allowed) {
      counters.denied++;
      emit('dns.request', requestId, null, { endpointId, policy, rule, server, rcode: deps.denyRcode, answers: [], verdict: 'denied', reason: 'policy', error: null });
      return syntheticReply(packet, Rcode[deps.denyRcode]);
    }
    counters.forwarded++;
    emit('dns.request', requestId, null, { endpointId, policy, rule, server, rcode: 'NOERROR', answers: [], verdict: 'allowed', reason: null, error: null });

    inFlight++;
    const responseId = deps.newEventId();
    const servfail = (reason: DnsEventData['reason'], err: unknown, upstream?: WireMessage) => {
      counters.servfail++;
      emit('dns.response', responseId, requestId, {
        endpointId, policy, rule, server,
        rcode: 'SERVFAIL',
        answers: answersOf(upstream),
        verdict: 'allowed',
        reason,
        error: isSluiceError(err) ? err.code : 'ERR_DNS_UPSTREAM',
      });
      return syntheticReply(packet, Rcode.SERVFAIL);
    };
    try {
      let upstream: UpstreamAnswer;
      try {
        upstream = await deps.forward(transport, origin.server, origin.port, message, question, deps.upstreamTimeoutMs);
      } catch (err) {
        const timedOut = isSluiceError(err, 'ERR_DNS_UPSTREAM_TIMEOUT');
        if (timedOut) counters.upstreamTimeouts++;
        return servfail(timedOut ? 'upstream-timeout' : 'upstream-error', err);
      }
      const answer: ExtractedAnswer = extractAnswer(upstream.packet, question.name);
      const exchange: DnsExchange = {
        dnsEventId: responseId,
        endpointId: origin.endpointId,
        client,
        question: dnsQuestion,
        decision,
        answer,
        truncated: isTruncated(upstream.packet),
        answeredAt: deps.now(),
      };
      try {
        const programming = deps.onAnswer(exchange);
        if (programming !== undefined) await withDeadline(programming, deps.answerDeadlineMs, `answer ${question.name} for endpoint ${origin.endpointId}`);
      } catch (err) {
        if (isSluiceError(err, 'ERR_DNS_ANSWER_HELD')) counters.answersHeldTooLong++;
        else counters.programmingFailures++;
        return servfail('answer-held', err, upstream.packet);
      }
      counters.answered++;
      emit('dns.response', responseId, requestId, { endpointId, policy, rule, server, rcode: answer.rcode, answers: answersOf(upstream.packet), verdict: 'allowed', reason: null, error: null });
      return withId(upstream.raw, packet.id ?? 0);
    } finally {
      inFlight--;
    }
  };
}
