// `sluice explain`: the chain behind one flow's verdict, derived from the log alone:
//   flow record -> the fqdn.allowed entry for (endpoint, destination) valid at the flow's time
//   -> the dns.response whose answer created it -> the policy (and revision) whose selector matched.
import { SluiceError } from '../../errors.js';
import type { Envelope } from '../envelope.js';
import { openTopicReader } from '../eventLog.js';
import type { DnsEventData } from '../events.js';
import type { HubbleFlowRecord } from '../hubble/types.js';
import { parseTimeMs } from '../time.js';
import type { AllowEntry } from './allowList.js';
import type { AgentState, PolicyState } from './agentState.js';
import { replayUntil } from './replay.js';

export interface FlowQuery {
  flowId?: string;
  src?: string;
  dst?: string;
  dport?: number;
  proto?: string;
  /** With a 5-tuple: the flow closest to this time; with an id: where to start looking. */
  timeMs?: number;
}

export interface ExplainLink {
  allowlist: AllowEntry & { expired: boolean };
  dns: { id: string; time: string; type: string; query: string; answers: DnsEventData['answers']; verdict: string; rule: string | null; policy: string | null } | null;
  policy: { namespace: string; name: string; kind: string; revision: number; appliedAt: string; eventId: string } | null;
}

export interface Explanation {
  flow: HubbleFlowRecord;
  links: ExplainLink[];
  conclusion: string;
}

function matchesTuple(r: HubbleFlowRecord, q: FlowQuery): boolean {
  const f = r.flow;
  if (q.src !== undefined && f.IP?.source !== q.src) return false;
  if (q.dst !== undefined && f.IP?.destination !== q.dst) return false;
  const l4 = (f.l4 ?? {}) as Record<string, { destination_port?: number }>;
  const proto = Object.keys(l4)[0]?.toLowerCase();
  if (q.proto !== undefined && proto !== q.proto.toLowerCase()) return false;
  if (q.dport !== undefined && (proto === undefined || l4[Object.keys(l4)[0]!]?.destination_port !== q.dport)) return false;
  return true;
}

export function findFlow(logDir: string, q: FlowQuery): HubbleFlowRecord {
  const reader = openTopicReader(logDir, 'flows');
  let best: HubbleFlowRecord | null = null;
  let bestDistance = Infinity;
  reader.scan({}, (r) => {
    if (q.flowId !== undefined) {
      if (!r.value.includes(q.flowId)) return; // cheap byte search before parsing
      const rec = JSON.parse(r.value.toString('utf8')) as HubbleFlowRecord;
      if (rec.flow.uuid === q.flowId) { best = rec; return false; }
      return;
    }
    const rec = JSON.parse(r.value.toString('utf8')) as HubbleFlowRecord;
    if (!matchesTuple(rec, q)) return;
    const distance = q.timeMs === undefined ? -r.offset : Math.abs(r.timeMs - q.timeMs);
    if (distance < bestDistance) { best = rec; bestDistance = distance; }
  });
  if (best === null) throw new SluiceError('ERR_CONFIG', q.flowId !== undefined ? `flow ${q.flowId}: not in the log` : 'no flow in the log matches');
  return best;
}

function findDnsEvent(logDir: string, id: string, aroundMs: number): Envelope | null {
  let found: Envelope | null = null;
  openTopicReader(logDir, 'dns').scan({ fromTimeMs: aroundMs - 3_600_000 }, (r) => {
    if (r.value.id === id) { found = r.value; return false; }
  });
  return found;
}

function policyForSelector(state: AgentState, selector: string, dns: ExplainLink['dns']): PolicyState | null {
  const policies = [...state.policies.values()];
  if (dns?.policy) {
    const named = policies.find((p) => `${p.namespace}/${p.name}` === dns.policy);
    if (named) return named;
  }
  const needle = JSON.stringify(selector);
  return policies.find((p) => JSON.stringify(p.document).includes(needle)) ?? null;
}

export function explainFlow(logDir: string, q: FlowQuery): Explanation {
  const flow = findFlow(logDir, q);
  const timeMs = parseTimeMs(flow.time);
  const endpointId = flow.flow.source?.ID;
  const ip = flow.flow.IP?.destination;
  if (endpointId === undefined || ip === undefined) {
    return { flow, links: [], conclusion: 'the flow has no source endpoint or destination address to explain' };
  }
  const { state } = replayUntil(logDir, timeMs);
  const links: ExplainLink[] = state.allowlist.entriesFor(endpointId, ip).map((entry) => {
    const expired = parseTimeMs(entry.expiresAt) <= timeMs;
    const event = findDnsEvent(logDir, entry.dnsEventId, parseTimeMs(entry.allowedAt));
    const d = event?.data as DnsEventData | undefined;
    const dns = event && d ? { id: event.id, time: event.time, type: event.type, query: d.query, answers: d.answers, verdict: d.verdict, rule: d.rule, policy: d.policy } : null;
    const p = policyForSelector(state, entry.selector, dns);
    const policy = p ? { namespace: p.namespace, name: p.name, kind: p.kind, revision: p.revision, appliedAt: p.appliedAt, eventId: p.eventId } : null;
    return { allowlist: { ...entry, expired }, dns, policy };
  });
  const valid = links.filter((l) => !l.allowlist.expired);
  const v = flow.flow.verdict;
  let conclusion: string;
  if (valid.length > 0) {
    const l = valid[0]!;
    conclusion = `${ip} was in endpoint ${endpointId}'s allowlist as ${l.allowlist.name} (selector ${l.allowlist.selector}`
      + `${l.policy ? `, policy ${l.policy.namespace}/${l.policy.name} revision ${l.policy.revision}` : ''}) since ${l.allowlist.allowedAt}`
      + `${l.dns ? `, from the DNS answer at ${l.dns.time}` : ''}, until ${l.allowlist.expiresAt}; verdict ${v}`;
  } else if (links.length > 0) {
    conclusion = `${ip} had been allowed for endpoint ${endpointId} but the entry had expired at ${links[0]!.allowlist.expiresAt}; verdict ${v}`;
  } else {
    conclusion = `no DNS answer had put ${ip} in endpoint ${endpointId}'s allowlist by ${flow.time}; verdict ${v}${v === 'DROPPED' ? ' (default deny)' : ''}`;
  }
  return { flow, links, conclusion };
}
