// The write side of the event log on one node: stamps drafts into envelopes and appends them to
// the local log of their topic. The local log is always written first; Kafka, when configured,
// is fed from it by the forwarder (kafka/forwarder.ts), so a Kafka outage never loses events.
//
// dns.* events also put an L7 DNS flow on the flows topic, so `observe` and Hubble tooling see
// DNS like Cilium shows it.
import { join } from 'node:path';
import type { FlowEvent } from '../datapath/decode/flowEvent.js';
import { createEnvelopeStamper, type Envelope, type EnvelopeStamper, type EventDraft } from './envelope.js';
import { eventKey, eventTopic, type DnsEventType, type EventType } from './events.js';
import { DnsFlowJsonRenderer } from './hubble/dnsFlowJson.js';
import type { FlowContext } from './hubble/flowContext.js';
import { FlowJsonRenderer } from './hubble/flowJson.js';
import { flowTimeNs } from './hubble/flowRecord.js';
import type { HubbleFlowRecord } from './hubble/types.js';
import type { AppendRecord } from './local/frame.js';
import type { TopicLogOptions } from './local/options.js';
import type { RecoveryReport } from './local/recoveryReport.js';
import { TopicReader } from './local/topicReader.js';
import { TopicWriter } from './local/topicWriter.js';
import { topicCodecs, type TopicValues } from './topicCodecs.js';
import { topicKinds, type TopicKind } from './topics.js';
import { parseTimeMs } from './time.js';

export interface EventLogOptions {
  /** Root of the local log: one subdirectory per topic kind. */
  dir: string;
  node: string;
  flowContext: FlowContext;
  topicOptions?: Partial<TopicLogOptions>;
  nowMs?: () => number;
}

export const topicDir = (root: string, kind: TopicKind) => join(root, kind);

export function openTopicReader<K extends TopicKind>(root: string, kind: K): TopicReader<TopicValues[K]> {
  return new TopicReader(topicDir(root, kind), topicCodecs[kind] as never);
}

export class EventLog {
  readonly writers: { [K in TopicKind]: TopicWriter<TopicValues[K]> };
  /** Torn or corrupt tails cut at open, one per topic at most: the owner must report them. */
  readonly recoveries: RecoveryReport[];
  private readonly stamper: EnvelopeStamper;
  private readonly options: EventLogOptions;
  private readonly flowJson: FlowJsonRenderer;
  private readonly dnsJson: DnsFlowJsonRenderer;

  constructor(options: EventLogOptions) {
    this.options = options;
    const open = <K extends TopicKind>(kind: K) =>
      TopicWriter.open(topicDir(options.dir, kind), topicCodecs[kind] as never, options.topicOptions) as TopicWriter<TopicValues[K]>;
    this.writers = { flows: open('flows'), dns: open('dns'), 'policy-changes': open('policy-changes') };
    this.recoveries = topicKinds.map((k) => this.writers[k].recovery).filter((r): r is RecoveryReport => r !== null);
    this.stamper = createEnvelopeStamper(options.node, this.lastSeq() + 1, options.nowMs);
    this.flowJson = new FlowJsonRenderer(options.flowContext);
    this.dnsJson = new DnsFlowJsonRenderer(options.flowContext);
  }

  /** Stamps, stores and returns one event. */
  publish<T extends EventType>(draft: EventDraft<T>): Envelope<T> {
    return this.publishBatch([draft])[0] as Envelope<T>;
  }

  /** Stamps and stores events in order; each topic gets one append (one write). */
  publishBatch(drafts: readonly EventDraft[]): Envelope[] {
    const envelopes = drafts.map((d) => this.stamper.stamp(d));
    const byTopic: { dns: AppendRecord<Envelope>[]; 'policy-changes': AppendRecord<Envelope>[] } = { dns: [], 'policy-changes': [] };
    // the L7 DNS flows: each line is written as bytes straight into the frame
    const l7: { timeMs: number; event: Envelope<DnsEventType> }[] = [];
    envelopes.forEach((e, i) => {
      const timeMs = drafts[i]!.timeMs ?? parseTimeMs(e.time);
      byTopic[eventTopic[e.type]].push({ timeMs, key: eventKey(e.type, e.data), value: e });
      if (e.type === 'dns.request' || e.type === 'dns.response') l7.push({ timeMs, event: e as Envelope<DnsEventType> });
    });
    if (byTopic['policy-changes'].length > 0) this.writers['policy-changes'].append(byTopic['policy-changes']);
    if (byTopic.dns.length > 0) this.writers.dns.append(byTopic.dns);
    if (l7.length > 0) {
      this.writers.flows.appendRaw({
        count: l7.length,
        timeMs: (i) => l7[i]!.timeMs,
        key: (i) => String(l7[i]!.event.data.endpoint.id),
        write: (i, out) => this.dnsJson.write(l7[i]!.event, out),
      });
    }
    return envelopes;
  }

  /**
   * Converts datapath events to Hubble lines and stores them with one append; returns the first
   * one's offset. The lines are written as bytes straight into the log's write buffer
   * (hubble/flowJson.ts, TopicWriter.appendRaw), never as record objects: this runs for every
   * flow the datapath reports.
   */
  publishFlows(events: readonly FlowEvent[]): number {
    const ctx = this.options.flowContext;
    const flowJson = this.flowJson;
    let timeNs = 0n; // of record i: timeMs(i) comes before write(i) (see RawRecords)
    return this.writers.flows.appendRaw({
      count: events.length,
      timeMs: (i) => {
        timeNs = flowTimeNs(events[i]!, ctx);
        return Number(timeNs) / 1e6;
      },
      key: (i) => String(events[i]!.endpointId),
      write: (i, out) => flowJson.write(events[i]!, timeNs, out),
    });
  }

  /** Stores Hubble records built elsewhere (keyed by the source endpoint). */
  appendFlowRecords(records: readonly HubbleFlowRecord[]): void {
    this.writers.flows.append(records.map((r) => ({
      timeMs: parseTimeMs(r.time),
      key: r.flow.source?.ID === undefined ? null : String(r.flow.source.ID),
      value: Buffer.from(JSON.stringify(r)),
    })));
  }

  sync(): void {
    for (const k of topicKinds) this.writers[k].sync();
  }

  close(): void {
    for (const k of topicKinds) this.writers[k].close();
  }

  /** seq continues across restarts: the newest envelope of either envelope topic holds the last. */
  private lastSeq(): number {
    let last = 0;
    for (const kind of ['dns', 'policy-changes'] as const) {
      const reader = openTopicReader(this.options.dir, kind);
      const end = reader.endOffset();
      if (end === reader.startOffset()) continue;
      for (const r of reader.read({ fromOffset: end - 1 })) last = Math.max(last, r.value.seq);
    }
    return last;
  }
}
