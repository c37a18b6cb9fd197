// A dns topic envelope (dns.request, dns.response) as JSON, written straight into the log's
// write buffer: byte for byte what JSON.stringify gives for the envelopes the log stamps (the
// stamper's field order, then dnsEventDraft's; dnsEnvelopeJson.test.ts holds the two together).
// Two of these per proxied query: as JSON.stringify they were the main thread's largest cost
// under DNS load, a string built and then copied into the buffer as UTF-8.
import type { Envelope } from '../envelope.js';
import type { DnsEventType } from '../events.js';
import type { ByteWriter } from './bytes.js';
import { num, put, str } from './jsonBytes.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const SCHEMA = bytes('{"schemaVersion":');
const TYPE = bytes(',"type":');
const ID = bytes(',"id":');
const TIME = bytes(',"time":');
const NODE = bytes(',"node":');
const SEQ = bytes(',"seq":');
const CAUSE = bytes(',"causeId":');
const ENDPOINT_ID = bytes(',"data":{"endpoint":{"id":');
const ENDPOINT_NAME = bytes(',"name":');
const ENDPOINT_NAMESPACE = bytes(',"namespace":');
const QUERY = bytes('},"query":');
const QTYPE = bytes(',"qtype":');
const RCODE = bytes(',"rcode":');
const ANSWERS = bytes(',"answers":[');
const ANSWER_NAME = bytes('{"name":');
const ANSWER_TYPE = bytes(',"type":');
const ANSWER_TTL = bytes(',"ttl":');
const ANSWER_DATA = bytes(',"data":');
const VERDICT = bytes('],"verdict":');
const POLICY = bytes(',"policy":');
const RULE = bytes(',"rule":');
const SERVER = bytes(',"server":');
const LATENCY = bytes(',"proxyLatencyUs":');
const END = bytes('}}');
const NULL = bytes('null');

function strOrNull(out: ByteWriter, s: string | null): void {
  if (s === null) put(out, NULL);
  else str(out, s);
}

export function writeDnsEnvelopeJson(e: Envelope<DnsEventType>, out: ByteWriter): void {
  const d = e.data;
  put(out, SCHEMA);
  num(out, e.schemaVersion);
  put(out, TYPE);
  str(out, e.type);
  put(out, ID);
  str(out, e.id);
  put(out, TIME);
  str(out, e.time);
  put(out, NODE);
  str(out, e.node);
  put(out, SEQ);
  num(out, e.seq);
  put(out, CAUSE);
  strOrNull(out, e.causeId);
  put(out, ENDPOINT_ID);
  num(out, d.endpoint.id);
  put(out, ENDPOINT_NAME);
  str(out, d.endpoint.name);
  put(out, ENDPOINT_NAMESPACE);
  str(out, d.endpoint.namespace);
  put(out, QUERY);
  str(out, d.query);
  put(out, QTYPE);
  str(out, d.qtype);
  put(out, RCODE);
  str(out, d.rcode);
  put(out, ANSWERS);
  for (let i = 0; i < d.answers.length; i++) {
    const a = d.answers[i]!;
    if (i > 0) out.u8(0x2c);
    put(out, ANSWER_NAME);
    str(out, a.name);
    put(out, ANSWER_TYPE);
    str(out, a.type);
    put(out, ANSWER_TTL);
    num(out, a.ttl);
    put(out, ANSWER_DATA);
    str(out, a.data);
    out.u8(0x7d);
  }
  put(out, VERDICT);
  str(out, d.verdict);
  put(out, POLICY);
  strOrNull(out, d.policy);
  put(out, RULE);
  strOrNull(out, d.rule);
  put(out, SERVER);
  str(out, d.server);
  put(out, LATENCY);
  num(out, d.proxyLatencyUs);
  put(out, END);
}
