// src/dns: the transparent DNS proxy.
//
// In:  client queries on UDP and TCP (steered here by the datapath), the datapath's record of the
//      original resolver (lookupOrigin), rules.dns decisions (decide), the upstream resolvers'
//      answers.
// Out: replies to clients (REFUSED/NXDOMAIN for denied names and non-endpoints, SERVFAIL on
//      upstream timeout or when the datapath was not programmed in time), DnsExchange values
//      handed to onAnswer (whose promise holds the answer back), and dns.request/dns.response
//      events.
export { emptyCounters as emptyDnsProxyCounters, startDnsProxy, type DnsProxy, type DnsProxyOptions } from './proxy.js';
export { extractAnswer, type ExtractedAnswer } from './extractAnswer.js';
export { checkAnswer, type AnswerCheck } from './answerCheck.js';
export type {
  DecideDnsQuery,
  DnsDecision,
  DnsEvent,
  DnsEventData,
  DnsEventSink,
  DnsExchange,
  DnsOrigin,
  DnsProxyCounters,
  DnsQuestion,
  DnsTransport,
  LookupOrigin,
  OnAnswer,
} from './types.js';
